import AnnalsEvents

/// One tier's samples in, decisions out: folds samples into open minutes, closes them in event time, and feeds
/// them to the tier's ``ScalePolicy``.
///
/// A minute closes when the tier's newest `sampled_at` so far (its watermark) reaches the minute's end plus
/// `allowedLatenessSeconds`: with the default 0, the first sample of a later minute closes every earlier open
/// minute. A sample for a minute that has closed is late: the policy has decided on that minute and does not look
/// back (a stored rollup still takes it). Minutes in which no sample fell never close; the policy treats them as
/// gaps (see ``ScalePolicy``). Samples must come in the order they sit on the topic's partition; no clock is read.
public struct TierAutoscaler: Sendable, Equatable {
    /// What to store to resume later: the policy's state, the open minutes and the watermark.
    public struct State: Sendable, Equatable, Codable {
        public var policy: ScalePolicyState
        /// Minutes not yet closed, oldest first.
        public var openMinutes: [MinuteRollup]
        /// The newest `sampled_at` seen, in microseconds since the epoch.
        public var watermarkMicroseconds: Int64?

        public init(policy: ScalePolicyState, openMinutes: [MinuteRollup] = [], watermarkMicroseconds: Int64? = nil) {
            self.policy = policy
            self.openMinutes = openMinutes
            self.watermarkMicroseconds = watermarkMicroseconds
        }
    }

    public var tier: Tier { policy.tier }
    /// The tier's policy and its state.
    public private(set) var policy: ScalePolicy
    private var openMinutes: [MinuteRollup]
    private var watermark: Int64?
    private let latenessMicroseconds: Int64

    /// An autoscaler for `tier` starting at `capacity` (the tier's minimum when nil).
    public init(tier: Tier, settings: ScalePolicySettings = .init(), capacity: Int? = nil) {
        let policy = ScalePolicy(tier: tier, settings: settings, capacity: capacity)
        self.init(tier: tier, settings: settings, restoring: State(policy: policy.state))
    }

    /// An autoscaler resuming from a stored state.
    public init(tier: Tier, settings: ScalePolicySettings = .init(), restoring state: State) {
        policy = ScalePolicy(tier: tier, settings: settings, restoring: state.policy)
        openMinutes = state.openMinutes.filter { $0.tier == tier }.sorted { $0.minute < $1.minute }
        watermark = state.watermarkMicroseconds
        latenessMicroseconds = Int64(clamping: settings.clamped.allowedLatenessSeconds).saturatingMultiplied(by: 1_000_000)
    }

    /// The state to store with the checkpoint.
    public var state: State {
        State(policy: policy.state, openMinutes: openMinutes, watermarkMicroseconds: watermark)
    }

    /// The tier's capacity as the policy last set it.
    public var capacity: Int { policy.capacity }

    /// Takes one sample of the tier: folds it into its minute, closes the minutes it closes, decides on them, and
    /// answers a spot interruption notice. A sample of another tier is ignored.
    public mutating func observe(_ sample: MetricSample) -> AutoscalerObservation {
        guard sample.tier == tier else { return AutoscalerObservation(isIgnored: true) }
        let at = sample.sampledAt.microsecondsSinceEpoch
        let minute = Minute(containingMicroseconds: at)
        let isLate = closedThrough.map { minute <= $0 } ?? false
        if !isLate {
            if let index = openMinutes.firstIndex(where: { $0.minute == minute }) {
                openMinutes[index].add(sample)
            } else {
                var rollup = MinuteRollup(tier: tier, minute: minute)
                rollup.add(sample)
                openMinutes.append(rollup)
                openMinutes.sort { $0.minute < $1.minute }
            }
        }
        watermark = max(watermark ?? at, at)
        var observation = close(through: closedThrough, decidedAt: Minute.timestamp(microseconds: watermark ?? at))
        observation.isLate = isLate
        if let replacement = policy.spotInterruption(sample) { observation.decisions.append(replacement) }
        return observation
    }

    /// Closes every open minute, as at the end of a recorded stream; each is decided at its end plus the lateness.
    public mutating func finish() -> AutoscalerObservation {
        var observation = AutoscalerObservation()
        for rollup in openMinutes {
            let decidedAt = Minute.timestamp(microseconds: rollup.minute.endMicroseconds.saturatingAdding(latenessMicroseconds))
            observation.closedMinutes.append(rollup)
            if let decision = policy.decide(rollup, decidedAt: decidedAt) { observation.decisions.append(decision) }
        }
        openMinutes = []
        return observation
    }

    /// The last minute the watermark has closed: the minute before the one containing `watermark − lateness`.
    private var closedThrough: Minute? {
        watermark.map { Minute(containingMicroseconds: $0.saturatingSubtracting(latenessMicroseconds)).advanced(by: -1) }
    }

    private mutating func close(through last: Minute?, decidedAt: EventTimestamp) -> AutoscalerObservation {
        guard let last else { return AutoscalerObservation() }
        var observation = AutoscalerObservation()
        while let first = openMinutes.first, first.minute <= last {
            openMinutes.removeFirst()
            observation.closedMinutes.append(first)
            if let decision = policy.decide(first, decidedAt: decidedAt) { observation.decisions.append(decision) }
        }
        return observation
    }
}

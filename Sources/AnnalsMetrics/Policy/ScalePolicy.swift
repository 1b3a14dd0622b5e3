import AnnalsEvents

/// The autoscaling policy of one tier: a pure state machine fed the tier's closed minutes in event-time order.
///
/// For each minute (``decide(_:decidedAt:)``):
/// 1. Each metric proposes instances by Kubernetes HPA's rule, `ceil(current × value / target)`, no change within
///    the tolerance: queue depth per instance (primary), GPU utilisation (secondary); a latency P95 above the
///    threshold proposes at least one scale-out step (safeguard). The largest proposal wins; clamped to the tier's
///    limits it is the minute's recommendation.
/// 2. Above the current capacity: scale out now, at most by the scale-out limit (+100% or +4 per minute).
/// 3. Below it: scale in only when every minute of the scale-in window recommended less, to the highest of them.
/// 4. Minutes without samples between two closed minutes repeat the last recommendation while it is fresher than
///    the missing-data horizon, then hold the capacity and block scale-in: missing data never scales in.
/// A spot interruption notice (``spotInterruption(_:)``) asks at once for replacement capacity.
///
/// Nothing here reads a clock or draws a random number: the same minutes give the same decisions and ids.
public struct ScalePolicy: Sendable, Equatable {
    /// Names the decision rules; ``version(settings:)`` adds the settings' digest.
    public static let algorithm = "annals-hpa-1"

    public let tier: Tier
    /// The settings as given; the policy runs on their ``ScalePolicySettings/clamped`` form.
    public let settings: ScalePolicySettings
    /// `annals-hpa-1+<settings digest>`, carried by every decision.
    public let policyVersion: String
    /// What to store to resume later.
    public private(set) var state: ScalePolicyState

    private let effective: ScalePolicySettings
    private var limits: TierScaleSettings { effective[tier] }

    /// A policy for `tier` whose capacity starts at `capacity` (the tier's minimum when nil), clamped to its limits.
    public init(tier: Tier, settings: ScalePolicySettings = .init(), capacity: Int? = nil) {
        let effective = settings.clamped
        let start = effective[tier].clamp(capacity ?? effective[tier].minInstances)
        self.init(tier: tier, settings: settings, restoring: ScalePolicyState(capacity: start))
    }

    /// A policy resuming from a stored state.
    public init(tier: Tier, settings: ScalePolicySettings = .init(), restoring state: ScalePolicyState) {
        self.tier = tier
        self.settings = settings
        effective = settings.clamped
        policyVersion = Self.version(settings: settings)
        self.state = state
    }

    /// `annals-hpa-1+<first 8 hex digits of the SHA-256 of the clamped settings>`.
    public static func version(settings: ScalePolicySettings) -> String {
        "\(algorithm)+\(settings.clamped.digest)"
    }

    /// The tier's capacity as the policy last set it.
    public var capacity: Int { state.capacity }

    /// The metrics' proposals and the recommendation for `rollup` at the current capacity; changes nothing.
    public func evaluate(_ rollup: MinuteRollup) -> PolicyEvaluation {
        let current = state.capacity
        // A metric no instance reported this minute proposes nothing; with no queue and no GPU reading at all the
        // capacity holds (an unknown load must not scale in).
        let proposals = [
            rollup.queueDepth.map {
                MetricProposal.queueDepth(
                    total: $0, current: current, target: limits.queueDepthPerInstance, tolerance: effective.tolerance)
            } ?? .absent(.queueDepth),
            rollup.meanGPUUtilization.map {
                MetricProposal.gpuUtilization(
                    mean: $0, reporting: rollup.instancesReporting, current: current,
                    target: limits.gpuUtilizationTarget, tolerance: effective.tolerance)
            } ?? .absent(.gpuUtilization),
            rollup.latencyP95Seconds.map {
                MetricProposal.latency(
                    p95: $0, current: current, threshold: limits.latencyP95ThresholdSeconds, step: effective.latencyStep)
            } ?? .absent(.latency),
        ]
        // max(by:) would return the last of equals; the first in priority order should win a tie.
        let winner = proposals.dropFirst().reduce(proposals[0]) { $1.instances > $0.instances ? $1 : $0 }
        let loadUnknown = rollup.queueDepth == nil && rollup.meanGPUUtilization == nil
        let recommendation = loadUnknown ? max(current, winner.instances) : winner.instances
        return PolicyEvaluation(proposals: proposals, winner: winner, recommendation: limits.clamp(recommendation))
    }

    /// Decides on one closed minute of this tier; nil when the capacity stays. `decidedAt` is the event time the
    /// minute closed (its end when nil). A minute of another tier, or at or before the last one decided, is ignored.
    public mutating func decide(_ rollup: MinuteRollup, decidedAt: EventTimestamp? = nil) -> PolicyDecision? {
        guard rollup.tier == tier else { return nil }
        if let last = state.lastMinute, rollup.minute <= last { return nil }
        fillGap(before: rollup.minute)
        let evaluation = evaluate(rollup)
        record(MinuteRecommendation(minute: rollup.minute, instances: evaluation.recommendation, missing: false))
        state.lastMinute = rollup.minute
        state.lastRecommendation = evaluation.recommendation
        forgetNotices(before: rollup.minute.advanced(by: -Int64(effective.spotNoticeMemoryMinutes)))

        let current = state.capacity
        var desired = current
        var reason: String
        if evaluation.recommendation > current, evaluation.winner.instances <= current {
            desired = evaluation.recommendation
            reason = "below the minimum \(limits.minInstances)"
        } else if evaluation.recommendation > current {
            let step = effective.scaleOutLimit.size(from: current)
            desired = min(evaluation.recommendation, current.saturatingAdding(step))
            reason = evaluation.winner.description
            if evaluation.recommendation < evaluation.winner.instances {
                reason += ", clamped to the maximum \(limits.maxInstances)"
            }
            if desired < evaluation.recommendation { reason += ", limited to +\(step) → \(desired)" }
            let others = evaluation.proposals.filter { $0 != evaluation.winner }.map(\.description)
            if !others.isEmpty { reason += " (\(others.joined(separator: "; ")))" }
        } else if let highest = scaleInTarget(below: current) {
            desired = highest
            reason = "every recommendation of the last \(effective.scaleInWindowMinutes) minutes was below \(current), "
                + "the highest \(highest) (this minute: \(evaluation.winner.description))"
        } else {
            reason = ""
        }
        let clamped = limits.clamp(desired)
        if clamped != desired {
            reason = clamped > desired
                ? "below the minimum \(limits.minInstances)" : "above the maximum \(limits.maxInstances)"
            desired = clamped
        }
        guard desired != current else { return nil }
        let kind: PolicyDecision.Kind = desired > current ? .scaleOut : .scaleIn
        let verb = kind == .scaleOut ? "scale out" : "scale in"
        state.capacity = desired
        return decision(
            kind: kind, current: current, desired: desired, replacementSpot: 0, interrupted: [],
            reason: "\(verb) \(current) → \(desired): \(reason)", inputs: rollup.decisionInputs,
            decidedAt: decidedAt ?? rollup.minute.end)
    }

    /// Answers a sample carrying a spot interruption notice: a decision keeping the capacity that asks for one
    /// spot instance at once in place of the interrupted one. Nil when the sample has no notice, is of another
    /// tier, or its instance's notice was answered within the last `spotNoticeMemoryMinutes`.
    public mutating func spotInterruption(_ sample: MetricSample) -> PolicyDecision? {
        guard sample.tier == tier, sample.spotInterruptionNotice else { return nil }
        let minute = Minute(containing: sample.sampledAt)
        forgetNotices(before: minute.advanced(by: -Int64(effective.spotNoticeMemoryMinutes)))
        guard !state.noticedInstances.contains(where: { $0.instanceID == sample.instanceID }) else { return nil }
        state.noticedInstances.append(NoticedInstance(instanceID: sample.instanceID, minute: minute))
        state.noticedInstances.sort { utf8Less($0.instanceID, $1.instanceID) }
        let capacity = state.capacity
        let inputs = DecisionInputs.with {
            $0.windowEnd = sample.sampledAt
            $0.samples = 1
            $0.meanGpuUtilization = sample.gpuUtilization
            $0.maxGpuUtilization = sample.gpuUtilization
            $0.queueDepth = sample.queueDepth
            $0.latencyP95Seconds = sample.latencyP95Seconds
            $0.activePlayers = sample.activePlayers
            $0.spotInterruptionNotice = true
        }
        return decision(
            kind: .spotReplacement, current: capacity, desired: capacity, replacementSpot: 1,
            interrupted: [sample.instanceID],
            reason: "spot interruption notice for \(sample.instanceID) at \(minute): replace 1 spot instance now; "
                + "capacity stays \(capacity) (\(effective.split(capacity)))",
            inputs: inputs, decidedAt: sample.sampledAt)
    }

    /// The highest recommendation of the window when the window is whole, has samples in every minute, and every
    /// recommendation is below `current`.
    private func scaleInTarget(below current: Int) -> Int? {
        let window = state.recommendations
        guard window.count == effective.scaleInWindowMinutes, !window.contains(where: \.missing),
              let highest = window.map(\.instances).max(), highest < current else { return nil }
        return highest
    }

    /// Records the minutes between the last decided one and `minute`: the last recommendation while the last
    /// samples are fresher than the horizon, then the capacity, marked missing. Only the window's minutes matter.
    private mutating func fillGap(before minute: Minute) {
        guard let last = state.lastMinute, let carried = state.lastRecommendation else { return }
        let window = Int64(effective.scaleInWindowMinutes)
        var gap = max(last.advanced(by: 1), minute.advanced(by: -window))
        while gap < minute {
            let fresh = gap.minutes(since: last) < Int64(effective.missingDataMinutes)
            record(MinuteRecommendation(minute: gap, instances: fresh ? carried : state.capacity, missing: !fresh))
            gap = gap.advanced(by: 1)
        }
    }

    private mutating func record(_ recommendation: MinuteRecommendation) {
        state.recommendations.append(recommendation)
        let oldest = recommendation.minute.advanced(by: -Int64(effective.scaleInWindowMinutes - 1))
        state.recommendations.removeAll { $0.minute < oldest }
    }

    private mutating func forgetNotices(before minute: Minute) {
        state.noticedInstances.removeAll { $0.minute < minute }
    }

    private func decision(
        kind: PolicyDecision.Kind, current: Int, desired: Int, replacementSpot: Int, interrupted: [String],
        reason: String, inputs: DecisionInputs, decidedAt: EventTimestamp
    ) -> PolicyDecision {
        let split = effective.split(desired)
        let id = DecisionID.make(
            tier: tier, kind: kind, current: current, desired: desired, split: split, replacementSpot: replacementSpot,
            interruptedInstances: interrupted, inputs: inputs, policyVersion: policyVersion)
        return PolicyDecision(
            decisionID: id, tier: tier, kind: kind, currentCapacity: current, desiredCapacity: desired, split: split,
            replacementSpot: replacementSpot, interruptedInstances: interrupted, reason: reason, inputs: inputs,
            decidedAt: decidedAt, policyVersion: policyVersion)
    }
}

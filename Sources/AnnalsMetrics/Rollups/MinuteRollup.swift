import AnnalsEvents

/// One tier's minute of samples, folded in any order; a late sample updates it like any other.
///
/// Exactly, for the samples of `tier` whose `sampled_at` falls in `minute`, each event id counted once (the first
/// sample with an id wins, later ones with the same id are ignored, like `INSERT … ON CONFLICT DO NOTHING`):
/// - `samples`: how many distinct event ids.
/// - `spotInterruptionNotice`: whether any of those samples carries the notice.
/// - Every other value is over each instance's last sample in the minute (``InstanceReading``: latest
///   `sampled_at`, then the larger event id in byte order), one reading per instance:
///   `instancesReporting` = how many instances; `queueDepth` and `activePlayers` = sums;
///   `meanGPUUtilization`, `meanGPUMemoryUtilization` = arithmetic means; `maxGPUUtilization`,
///   `maxGPUMemoryUtilization`, `latencyP95Seconds` = maxima (the tier's P95 is its worst instance's).
///   Each is over the last readings that carry the value (a sample whose source did not answer leaves it unset),
///   and nil when none does: an absent reading is never read as zero. SQL's aggregates skip NULLs the same way.
///
/// The same in SQL, over a raw samples table unique on event id:
/// ```sql
/// WITH last AS (
///   SELECT DISTINCT ON (instance_id) * FROM metrics.samples
///   WHERE tier = $1 AND sampled_at >= $2 AND sampled_at < $2 + interval '1 minute'
///   ORDER BY instance_id, sampled_at DESC, event_id COLLATE "C" DESC)
/// SELECT count(*) AS instances_reporting, sum(queue_depth), sum(active_players), avg(gpu_utilization),
///        max(gpu_utilization), avg(gpu_memory_utilization), max(gpu_memory_utilization), max(latency_p95_seconds)
/// FROM last;
/// -- samples and spot_interruption_notice: count(*) and bool_or(spot_interruption_notice) over the minute's rows.
/// ```
/// Sums are saturating; means are summed in instance-id byte order so every process gets the same bits.
public struct MinuteRollup: Sendable, Equatable {
    public let tier: Tier
    public let minute: Minute
    /// Each reporting instance's last reading, by instance id.
    public private(set) var readings: [String: InstanceReading]
    /// Event ids folded in.
    public private(set) var eventIDs: Set<String>
    /// Whether any sample of the minute carries a spot interruption notice.
    public private(set) var spotInterruptionNotice: Bool

    /// An empty minute.
    public init(tier: Tier, minute: Minute) {
        self.tier = tier
        self.minute = minute
        readings = [:]
        eventIDs = []
        spotInterruptionNotice = false
    }

    /// Folds in one sample. Returns false, changing nothing, when its event id is already in, or when it belongs
    /// to another tier or minute.
    @discardableResult
    public mutating func add(_ sample: MetricSample) -> Bool {
        guard sample.tier == tier, Minute(containing: sample.sampledAt) == minute else { return false }
        guard eventIDs.insert(sample.meta.eventID).inserted else { return false }
        spotInterruptionNotice = spotInterruptionNotice || sample.spotInterruptionNotice
        let reading = InstanceReading(sample)
        if let current = readings[reading.instanceID], !reading.supersedes(current) { return true }
        readings[reading.instanceID] = reading
        return true
    }

    /// Distinct event ids in the minute.
    public var samples: Int { eventIDs.count }
    /// Instances with at least one sample in the minute.
    public var instancesReporting: Int { readings.count }
    /// Sum of the instances' last queue depths; nil when none carries one.
    public var queueDepth: UInt64? { saturatingSum(\.queueDepth) }
    /// Sum of the instances' last active players; nil when none carries them.
    public var activePlayers: UInt64? { saturatingSum(\.activePlayers) }
    /// Mean of the instances' last GPU utilisations; nil when none carries one.
    public var meanGPUUtilization: Double? { mean(\.gpuUtilization) }
    /// Highest of the instances' last GPU utilisations; nil when none carries one.
    public var maxGPUUtilization: Double? { ordered.compactMap(\.gpuUtilization).max() }
    /// Mean of the instances' last GPU memory utilisations; nil when none carries one.
    public var meanGPUMemoryUtilization: Double? { mean(\.gpuMemoryUtilization) }
    /// Highest of the instances' last GPU memory utilisations; nil when none carries one.
    public var maxGPUMemoryUtilization: Double? { ordered.compactMap(\.gpuMemoryUtilization).max() }
    /// Highest of the instances' last latency P95s, in seconds; nil when none carries one.
    public var latencyP95Seconds: Double? { ordered.compactMap(\.latencyP95Seconds).max() }
    /// GPU work in instance-equivalents: mean utilisation × instances reporting (instances whose GPU reading is
    /// absent counted at the mean); nil without any GPU reading.
    public var busyInstances: Double? { meanGPUUtilization.map { $0 * Double(instancesReporting) } }

    /// The rollup as the `inputs` of a `ScaleDecision`: `window_end` is the minute's end.
    public var decisionInputs: DecisionInputs {
        DecisionInputs.with {
            $0.windowEnd = minute.end
            $0.samples = UInt32(clamping: samples)
            // DecisionInputs' figures are not optional: an absent reading shows as 0 there.
            $0.meanGpuUtilization = meanGPUUtilization ?? 0
            $0.maxGpuUtilization = maxGPUUtilization ?? 0
            $0.queueDepth = queueDepth ?? 0
            $0.latencyP95Seconds = latencyP95Seconds ?? 0
            $0.activePlayers = activePlayers ?? 0
            $0.spotInterruptionNotice = spotInterruptionNotice
        }
    }

    /// Readings in instance-id byte order.
    public var orderedReadings: [InstanceReading] { ordered }

    private var ordered: [InstanceReading] {
        readings.values.sorted { utf8Less($0.instanceID, $1.instanceID) }
    }

    private func saturatingSum(_ value: KeyPath<InstanceReading, UInt64?>) -> UInt64? {
        let values = readings.values.compactMap { $0[keyPath: value] }
        guard !values.isEmpty else { return nil }
        return values.reduce(UInt64(0)) { $0.saturatingAdding($1) }
    }

    private func mean(_ value: KeyPath<InstanceReading, Double?>) -> Double? {
        let values = ordered.compactMap { $0[keyPath: value] }
        guard !values.isEmpty else { return nil }
        return values.reduce(0, +) / Double(values.count)
    }
}

extension MinuteRollup: Codable {
    private enum CodingKeys: String, CodingKey {
        case tier, minute, readings, eventIDs, spotInterruptionNotice
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .tier)
        guard let tier = Tier(name: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .tier, in: container, debugDescription: "unknown tier \(name): expected gold, silver or bronze")
        }
        self.tier = tier
        minute = try container.decode(Minute.self, forKey: .minute)
        let readings = try container.decode([InstanceReading].self, forKey: .readings)
        self.readings = Dictionary(readings.map { ($0.instanceID, $0) }, uniquingKeysWith: { a, b in a.supersedes(b) ? a : b })
        eventIDs = Set(try container.decode([String].self, forKey: .eventIDs))
        spotInterruptionNotice = try container.decode(Bool.self, forKey: .spotInterruptionNotice)
    }

    /// Readings and event ids in byte order, so equal rollups encode to equal bytes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tier.name, forKey: .tier)
        try container.encode(minute, forKey: .minute)
        try container.encode(ordered, forKey: .readings)
        try container.encode(eventIDs.sorted(by: utf8Less), forKey: .eventIDs)
        try container.encode(spotInterruptionNotice, forKey: .spotInterruptionNotice)
    }
}

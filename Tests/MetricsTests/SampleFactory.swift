import AnnalsEvents
import AnnalsMetrics

/// Builds metric samples for tests: times in seconds after `SampleFactory.origin` (2026-03-01T18:00Z).
enum SampleFactory {
    static let origin: Int64 = 1_772_388_000

    static func sample(
        _ tier: Tier = .gold, instance: String = "i-1", at second: Int64, queue: UInt64 = 0, gpu: Double = 0,
        latency: Double = 0.2, players: UInt64 = 0, spot: Bool = false, id: String? = nil
    ) -> MetricSample {
        MetricSample.with {
            $0.meta = EventMeta.with { meta in
                meta.eventID = id ?? "\(tier.name)-\(instance)-\(second)"
                meta.occurredAt = EventTimestamp(seconds: origin + second, nanos: 0)
                meta.producer = "tests"
                meta.schemaVersion = 1
            }
            $0.tier = tier
            $0.instanceID = instance
            $0.sampledAt = EventTimestamp(seconds: origin + second, nanos: 0)
            $0.gpuUtilization = gpu
            $0.gpuMemoryUtilization = gpu / 2
            $0.queueDepth = queue
            $0.latencyP95Seconds = latency
            $0.activePlayers = players
            $0.spotInterruptionNotice = spot
        }
    }

    /// The minute `n` minutes after the origin.
    static func minute(_ n: Int64) -> Minute { Minute(index: origin / 60 + n) }

    /// A closed minute `n` of `tier` with one instance reporting the whole tier's figures.
    static func rollup(
        _ tier: Tier = .gold, minute n: Int64, queue: UInt64 = 0, gpu: Double = 0, latency: Double = 0.2,
        instances: Int = 1, spot: Bool = false
    ) -> MinuteRollup {
        var rollup = MinuteRollup(tier: tier, minute: minute(n))
        let count = UInt64(max(1, instances))
        for i in 0..<count {
            let share = queue / count + (i == 0 ? queue % count : 0)
            rollup.add(sample(tier, instance: "i-\(i)", at: n * 60 + 30, queue: share, gpu: gpu, latency: latency, spot: spot))
        }
        return rollup
    }
}

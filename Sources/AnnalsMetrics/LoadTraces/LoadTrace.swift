import AnnalsEvents
import SwiftProtobuf

/// A generated, reproducible metric-sample stream: players over time (ramps, holds, spikes) turned into every
/// tier's instance samples by a ``LoadModel``. The same trace gives the same samples, byte for byte, everywhere:
/// the only randomness is a ``seed``ed SplitMix64 and the arithmetic is IEEE basic operations only.
public struct LoadTrace: Sendable, Equatable {
    /// `meta.producer` of every generated sample.
    public static let producer = "annals-load-trace"

    /// File stem and event-id prefix, e.g. `players-1000`.
    public var name: String
    /// Event time of the first second, seconds since the epoch.
    public var startSeconds: Int64
    /// Players at the start.
    public var initialPlayers: Int
    /// What the players do, in order.
    public var phases: [LoadPhase]
    /// Each instance samples once per this many seconds, at its own offset within the period.
    public var samplePeriodSeconds: Int
    public var seed: UInt64
    public var model: LoadModel
    public var spotInterruptions: [SpotInterruption]

    public init(
        name: String, startSeconds: Int64 = LoadTrace.defaultStart, initialPlayers: Int, phases: [LoadPhase],
        samplePeriodSeconds: Int = 60, seed: UInt64, model: LoadModel = .init(), spotInterruptions: [SpotInterruption] = []
    ) {
        self.name = name
        self.startSeconds = startSeconds
        self.initialPlayers = initialPlayers
        self.phases = phases
        self.samplePeriodSeconds = samplePeriodSeconds
        self.seed = seed
        self.model = model
        self.spotInterruptions = spotInterruptions
    }

    /// 2026-03-01T18:00:00Z, an evening peak.
    public static let defaultStart: Int64 = 1_772_388_000

    /// Length of the trace in minutes.
    public var durationMinutes: Int { phases.reduce(0) { $0 + max(0, $1.minutes) } }

    /// Players `second` seconds after the start, following the phases in straight lines.
    public func players(atSecond second: Int) -> Double {
        var level = Double(initialPlayers)
        var phaseStart = 0
        for phase in phases {
            let length = max(0, phase.minutes) * 60
            let target = Double(phase.players)
            if length == 0 {
                if second >= phaseStart { level = target }
                continue
            }
            if second < phaseStart + length {
                return level + (target - level) * Double(second - phaseStart) / Double(length)
            }
            level = target
            phaseStart += length
        }
        return level
    }

    /// Instances the recording fleet of `tier` ran in minute `minute` of the trace (see ``LoadModel``): sized for
    /// the highest load of minute `minute − recordingLagMinutes` at the sizing utilisation.
    public func recordedInstances(_ tier: Tier, minute: Int) -> Int {
        let t = model[tier]
        let sizedMinute = max(0, minute - model.recordingLagMinutes)
        // Players move in straight lines between whole minutes, so a minute's peak is at one of its ends.
        let peak = max(players(atSecond: sizedMinute * 60), players(atSecond: sizedMinute * 60 + 60))
        let busy = t.requestsPerSecond(players: peak) / t.serviceRatePerInstance
        let needed = Int((busy / model.sizingUtilization - 1e-9).rounded(.up))
        return min(max(1, needed), max(1, t.maxInstances))
    }

    /// Every sample of the trace in time order (ties: gold, silver, bronze, then instance number).
    public func samples() -> [MetricSample] {
        var random = SeededRandom(seed: seed)
        var backlog = [Double](repeating: 0, count: Tier.scaled.count)
        var replacements = [Tier: [Int: Int]]()
        var samples: [MetricSample] = []
        let period = max(1, samplePeriodSeconds)
        for second in 0..<(durationMinutes * 60) {
            let minute = second / 60
            let players = players(atSecond: second)
            for (tierIndex, tier) in Tier.scaled.enumerated() {
                let t = model[tier]
                let instances = recordedInstances(tier, minute: minute)
                let arrivals = t.requestsPerSecond(players: players)
                let capacity = Double(instances) * t.serviceRatePerInstance
                let load = arrivals / capacity
                for instance in 0..<instances where (second - offset(instance, tierIndex, period)) % period == 0 {
                    let interruption = spotInterruptions.first {
                        $0.tier == tier && $0.instance == instance && (0..<2).contains(minute - $0.minute)
                    }
                    let generation = replacements[tier]?[instance] ?? 0
                    let id = "\(tier.name)-\(instance < 10 ? "0" : "")\(instance)" + (generation > 0 ? "-r\(generation)" : "")
                    let e = random.jitter(model.jitter)
                    let ownLoad = max(0, load * (1 + e))
                    let utilization = backlog[tierIndex] > 0 ? 1 : min(1, ownLoad)
                    let congested = min(ownLoad, 0.95)
                    let latency = t.baseLatencySeconds + t.congestionLatencySeconds * congested / (1 - congested)
                        + backlog[tierIndex] / capacity
                    let queue = t.batchSlots * utilization + backlog[tierIndex] / Double(instances) * (1 + e)
                    samples.append(sample(
                        tier: tier, instanceID: id, second: second, utilization: utilization,
                        memory: min(0.97, max(0, 0.30 + 0.55 * utilization + e / 4)), queue: queue, latency: latency,
                        players: players * t.playerShare / Double(instances) * (1 + e), notice: interruption != nil))
                }
                backlog[tierIndex] = max(0, backlog[tierIndex] + arrivals - capacity)
                // Two minutes after its notice the instance is gone; its replacement reports under a new id.
                for interruption in spotInterruptions
                where interruption.tier == tier && second == (interruption.minute + 2) * 60 - 1 {
                    replacements[tier, default: [:]][interruption.instance, default: 0] += 1
                }
            }
        }
        return samples
    }

    /// The samples as proto3 JSON lines, one sample per line, as `annals publish metric-sample --file` reads them.
    public func jsonLines() throws -> String {
        try samples().map { try $0.jsonString() + "\n" }.joined()
    }

    /// Spreads instances over the sample period so a tier's samples do not all land on the same second.
    private func offset(_ instance: Int, _ tierIndex: Int, _ period: Int) -> Int {
        (instance * 7 + tierIndex * 3) % period
    }

    private func sample(
        tier: Tier, instanceID: String, second: Int, utilization: Double, memory: Double, queue: Double,
        latency: Double, players: Double, notice: Bool
    ) -> MetricSample {
        let time = EventTimestamp(seconds: startSeconds + Int64(second), nanos: 0)
        return MetricSample.with {
            $0.meta = EventMeta.with { meta in
                meta.eventID = "\(name)-\(instanceID)-\(second)"
                meta.occurredAt = time
                meta.producer = Self.producer
                meta.schemaVersion = 1
            }
            $0.tier = tier
            $0.instanceID = instanceID
            $0.sampledAt = time
            $0.gpuUtilization = Self.thousandths(utilization)
            $0.gpuMemoryUtilization = Self.thousandths(memory)
            $0.queueDepth = UInt64(max(0, queue.rounded()))
            $0.latencyP95Seconds = Self.thousandths(latency)
            $0.activePlayers = UInt64(max(0, players.rounded()))
            $0.spotInterruptionNotice = notice
        }
    }

    /// Rounded to 0.001, so the JSON stays short.
    private static func thousandths(_ value: Double) -> Double {
        (value * 1_000).rounded() / 1_000
    }
}

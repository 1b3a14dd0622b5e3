import AnnalsEvents
import Foundation
import Postgres
import Testing
import TestSupport

/// A sample dated years ahead of its record is dead-lettered by `annals-metrics-worker` instead of freezing its tier.
@Suite("Event-time horizon", .timeLimit(.minutes(4)))
struct EventTimeHorizonTests {
    /// 2026-03-01T18:00:00Z, long before the records' timestamps (the time they are produced).
    static let origin: Int64 = 1_772_388_000
    /// 2056-03-01T00:00:00Z.
    static let farFuture: Int64 = 2_719_094_400

    static func sample(id: String, at seconds: Int64, gpu: Double, queue: UInt64 = 0) -> MetricSample {
        MetricSample.with {
            $0.meta.eventID = id
            $0.meta.occurredAt = EventTimestamp(seconds: seconds)
            $0.meta.producer = "tests"
            $0.meta.schemaVersion = 1
            $0.tier = .gold
            $0.instanceID = "gold-00"
            $0.sampledAt = EventTimestamp(seconds: seconds)
            $0.gpuUtilization = gpu
            $0.gpuMemoryUtilization = gpu / 2
            $0.queueDepth = queue
            $0.latencyP95Seconds = 0.3
        }
    }

    @Test func aSampleYearsAheadIsDeadLetteredAndTheTierStillScalesOutForASpike() async throws {
        let stack = try MetricsWorkerTests.Stack("metrics_horizon")
        defer { try? stack.database.drop() }
        // Ten quiet minutes, a sample dated 2056 (record timestamp normal), then a GPU spike from minute 10 to 16.
        let quiet = (0..<60).map { Self.sample(id: "quiet-\($0)", at: Self.origin + Int64($0) * 10, gpu: 0.3) }
        var poison = Self.sample(id: "far-future", at: Self.farFuture, gpu: 0.3)
        poison.meta.occurredAt = EventTimestamp(seconds: Self.origin + 600)
        let spikeStart = Self.origin + 600
        let spike = (0..<42).map { Self.sample(id: "spike-\($0)", at: spikeStart + Int64($0) * 10, gpu: 0.97, queue: 40) }
        let samples = quiet + [poison] + spike
        try await stack.publish(samples)

        let worker = try stack.startWorker(batchSize: 20)
        try await stack.waitForCheckpoints(samples.count, worker: worker)

        let letters = try await stack.query("SELECT error FROM annals.dead_letters WHERE projection = 'metrics'")
        #expect(letters.count == 1)
        let error = try letters.first?.string("error") ?? ""
        #expect(error.hasPrefix("invalid annals.v1.MetricSample: sampled_at 2056-03-01T00:00:00Z is "), "\(error)")
        #expect(error.contains("years ahead of the record's timestamp"), "\(error)")
        #expect(error.contains("more than the 3600 s horizon, --event-time-horizon-seconds"), "\(error)")
        #expect(try await stack.query("SELECT 1 FROM metrics.samples WHERE event_id = 'far-future'").isEmpty)

        let watermark = try await stack.query(
            "SELECT extract(epoch FROM watermark)::bigint AS seconds FROM metrics.autoscaler_state WHERE tier = 'gold'")
        #expect(try watermark.first?.int("seconds") == Int(spikeStart + 41 * 10), "the 2056 sample moved no watermark")

        let scaleOuts = try await stack.query("""
            SELECT extract(epoch FROM decided_at)::bigint AS decided, desired_capacity, current_capacity
            FROM metrics.decisions WHERE tier = 'gold' AND kind = 'scale-out' ORDER BY decided_at
            """)
        let first = try #require(scaleOuts.first, "no scale-out decision for the spike")
        let decided = Int64(try first.int("decided"))
        #expect(decided >= spikeStart && decided <= spikeStart + 300, "decided at \(decided), spike from \(spikeStart)")
        #expect(try first.int("desired_capacity") > first.int("current_capacity"))
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(100), description: "the decisions on scale-decision") {
            try await stack.decisionsOnTopic() >= Int64(scaleOuts.count)
        }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

        // A replay given the worker's horizon rebuilds the same tables, dead letter included.
        let live = try await stack.checksums()
        let replay = try ChildProcess.annals("annals", arguments: [
            "replay", "metrics", "--in-place", "--event-time-horizon-seconds", "3600",
            "--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url,
        ])
        #expect(try await replay.waitForExit(timeout: .seconds(90)) == .exited(0), "\(replay.log())")
        #expect(try await stack.checksums() == live)
        #expect(try await stack.query("SELECT error FROM annals.dead_letters WHERE projection = 'metrics'").count == 1)
    }
}

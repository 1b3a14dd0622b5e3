import AnnalsEvents
import Foundation
import Kafka
import Logging
import MetricsProjection
import Projection
import Testing
import TestSupport

/// Issue 13, hole 5: a replay hands a lagging metrics worker checkpoints past samples it never applied. The decisions
/// made from those samples (by the replay only, which queues nothing) must still reach scale-decision, once.
@Suite("Metrics replay hand-over", .timeLimit(.minutes(4)))
struct MetricsReplayHandOverTests {
    typealias Stack = MetricsWorkerTests.Stack

    @Test(arguments: [false, true])
    func decisionsFromSamplesALaggingWorkerNeverAppliedArePublishedOnceAfterAReplay(inPlace: Bool) async throws {
        let stack = try Stack(inPlace ? "metrics_handover_in_place" : "metrics_handover")
        defer { try? stack.database.drop() }
        let samples = try MetricTraceFile.samples(MetricsWorkerTests.trace)
        let lag = samples.count / 2
        let expected = MetricsWorkerTests.inProcessDecisions(samples)
        let beforeLag = MetricsWorkerTests.inProcessDecisions(Array(samples[..<lag]))
        let expectedCount = expected.values.map(\.count).reduce(0, +)
        let beforeLagCount = beforeLag.values.map(\.count).reduce(0, +)
        try #require(beforeLagCount > 0 && expectedCount > beforeLagCount,
                     "the trace decides both before and after the worker stops: \(beforeLagCount) of \(expectedCount)")

        // The worker applies and publishes the first half, then stops: it lags while the rest arrives.
        try await stack.publish(Array(samples[..<lag]))
        let first = try stack.startWorker(batchSize: 100, name: "metrics-handover-first")
        try await stack.waitForCheckpoints(lag, worker: first)
        try await waitUntil(timeout: .seconds(60), description: "the outbox to empty") { try await stack.unsentDecisions() == 0 }
        try first.kill(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(30)) == .exited(0), "\(first.logTail())")
        #expect(try await stack.decisionsOnTopic() == Int64(beforeLagCount))
        try await stack.publish(Array(samples[lag...]))

        let replay = try ChildProcess.annals("annals", arguments: [
            "replay", "metrics", "--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url,
        ] + (inPlace ? ["--in-place"] : []))
        #expect(try await replay.waitForExit(timeout: .seconds(90)) == .exited(0), "\(replay.log())")
        #expect(try await stack.checkpointTotal() == samples.count, "the worker is handed checkpoints past its lag")
        #expect(try await stack.decisionsOnTopic() == Int64(beforeLagCount), "a replay publishes nothing itself")
        #expect(try await stack.unsentDecisions() == expectedCount - beforeLagCount,
                "the decisions from the lagging range are queued with the hand-over, and only they")

        // The worker comes back past the lagging range: it publishes what the replay decided there, once.
        let second = try stack.startWorker(batchSize: 100, name: "metrics-handover-second")
        try await waitUntil(timeout: .seconds(60), description: "the worker's publisher to send what is queued") {
            if let status = second.status() { throw TestSupportFailure("worker \(status): \(second.logTail())") }
            guard second.log().contains("outbox reconciled with scale-decision") else { return false }
            return try await stack.unsentDecisions() == 0
        }
        try await stack.waitForCheckpoints(samples.count, worker: second)
        let onTopic = try await stack.decisionsOnTopic()
        try second.kill(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(30)) == .exited(0), "\(second.logTail())")
        try #require(onTopic == Int64(expectedCount), "every decision on scale-decision once: \(onTopic) of \(expectedCount)")
        let published = try await stack.readDecisions { $0.values.map(\.count).reduce(0, +) >= expectedCount }
        #expect(published == expected, "each tier's decisions on scale-decision, in the order made, each once")
        #expect(try await stack.storedDecisions() == expected)
    }

    /// An in-place rebuild stopped part-way resets the checkpoints to its partial ones; run again, it must still hand
    /// over from the live worker's checkpoints it first replaced, or the decisions made between the two are lost.
    @Test func anInPlaceRebuildStoppedPartWayAndRunAgainHandsOverFromTheFirstReplacedCheckpoints() async throws {
        let stack = try Stack("metrics_handover_interrupted")
        defer { try? stack.database.drop() }
        let samples = try MetricTraceFile.samples(MetricsWorkerTests.trace)
        let lag = samples.count / 2
        let expectedCount = MetricsWorkerTests.inProcessDecisions(samples).values.map(\.count).reduce(0, +)
        let beforeLagCount = MetricsWorkerTests.inProcessDecisions(Array(samples[..<lag])).values.map(\.count).reduce(0, +)

        try await stack.publish(Array(samples[..<lag]))
        let worker = try stack.startWorker(batchSize: 100, name: "metrics-handover-interrupted")
        try await stack.waitForCheckpoints(lag, worker: worker)
        try await waitUntil(timeout: .seconds(60), description: "the outbox to empty") { try await stack.unsentDecisions() == 0 }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
        let workerCheckpoints = try await Self.checkpoints(stack)
        try await stack.publish(Array(samples[lag...]))

        // A rebuild killed part-way, made deterministic: the reset of an in-place rebuild stopped before it read
        // anything, then the rebuild of one partition to its end (the trace decides again near the end of each
        // partition) and of the others to where the worker was.
        let (kafka, url) = (stack.kafka.config, stack.database.url)
        let settings = RunnerStateMachine.Settings(maxBatch: 20)
        let stopped = StopSignal()
        stopped.request()
        let reset = try await onOwnThread {
            try ProjectionRebuild.inPlace(MetricsProjection(), kafka: kafka, databaseURL: url, settings: settings,
                                          logger: Self.logger, stop: stopped) { _ in }
        }
        try #require(reset.done == 0 && reset.total > 0, "the first rebuild reset the tables and stopped: \(reset)")
        let highs = try await onOwnThread {
            try KafkaAdmin(config: kafka, logger: Self.logger).watermarks(ofTopics: ["metric-sample"]).mapValues(\.high)
        }
        let ended = try #require(highs.keys.min())
        let partialTargets = Dictionary(uniqueKeysWithValues: highs.map { partition, high in
            (partition, partition == ended ? high : workerCheckpoints["\(partition.topic)/\(partition.partition)", default: 0])
        })
        _ = try await onOwnThread {
            try ProjectionRebuild.run(MetricsProjection(), into: .live(MetricsProjection()), until: partialTargets, kafka: kafka,
                                      databaseURL: url, settings: settings, logger: Self.logger) { _ in }
        }
        let partialCheckpoints = try await Self.checkpoints(stack)
        let between = try await stack.query(#"SELECT topic, partition, "offset" FROM metrics.decisions"#).filter { row in
            let key = "\(try row.string("topic"))/\(try row.int("partition"))"
            let offset = try row.int64("offset")
            return offset >= workerCheckpoints[key, default: 0] && offset < partialCheckpoints[key, default: 0]
        }
        try #require(!between.isEmpty, "the stopped rebuild made decisions past the worker's checkpoints")
        #expect(try await stack.unsentDecisions() == 0, "a stopped rebuild hands nothing over")

        let finished = try await onOwnThread {
            try ProjectionRebuild.inPlace(MetricsProjection(), kafka: kafka, databaseURL: url, settings: settings,
                                          logger: Self.logger) { _ in }
        }
        #expect(finished.done == finished.total)
        #expect(try await stack.unsentDecisions() == expectedCount - beforeLagCount,
                "every decision past the worker's checkpoints is queued, those the stopped rebuild made too")
        #expect(try await stack.query("SELECT count(*) AS n FROM annals.rebuilds").first?.int("n") == 0,
                "a finished rebuild forgets what it replaced")
    }

    static let logger = Logger(label: "test.metrics-handover")

    /// The metrics projection's checkpoints, keyed `topic/partition`.
    static func checkpoints(_ stack: Stack) async throws -> [String: Int64] {
        var offsets: [String: Int64] = [:]
        for row in try await stack.query("SELECT topic, partition, next_offset FROM annals.checkpoints WHERE projection = 'metrics'") {
            offsets["\(try row.string("topic"))/\(try row.int("partition"))"] = try row.int64("next_offset")
        }
        return offsets
    }
}

import AnnalsEvents
import Foundation
import Kafka
import Logging
import Postgres
import Projection
import TestProbeProjection
import TestSupport
import Testing

/// The runner under faults, against a real PostgreSQL and the Kafka protocol, with the probe projection (no dedupe):
/// any event applied twice, or not at all, shows in its count.
@Suite(.serialized) struct RunnerFaultTests {
    static let events = 2_000

    struct Stack {
        let kafka: TestKafkaCluster
        let database: TestDatabase
        let generator = StoryEventGenerator(worlds: 4, prefix: "fault")

        func configuration(databaseURL: String? = nil, maxBatch: Int = 200) -> RunnerConfiguration {
            RunnerConfiguration(
                kafka: kafka.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("probe"),
                databaseURL: databaseURL ?? database.url,
                settings: .init(maxBatch: maxBatch, lingerNanoseconds: 5_000_000,
                                backoff: Backoff(initialNanoseconds: 50_000_000, maximumNanoseconds: 500_000_000)))
        }

        func publish(_ range: Range<Int>) async throws {
            let producer = try await onOwnThread { [kafka] in try KafkaProducer(config: kafka.config, logger: Logger(label: "test")) }
            try await generator.publish(range, with: producer)
        }

        func count() async throws -> ProbeCount {
            try await onOwnThread { [database] in try ProbeCount.read(try database.connect()) }
        }

        func deadLetters() async throws -> Int {
            try await onOwnThread { [database] in
                let db = try database.connect()
                guard try db.execute("SELECT to_regclass('annals.dead_letters') IS NOT NULL AS present").rows.first?.bool("present") == true
                else { return 0 }
                return try db.execute("SELECT count(*) AS n FROM annals.dead_letters").rows.first?.int("n") ?? 0
            }
        }
    }

    static func stack(_ prefix: String) async throws -> Stack {
        try await onOwnThread {
            Stack(kafka: try TestKafkaCluster(topics: ["story-event": 2]), database: try TestDatabase.create(prefix: prefix))
        }
    }

    /// The commit lands but its answer never arrives: the worker retries, finds its own checkpoint moved (fenced),
    /// reloads and goes on. Before the fix a fence after a failed flush left the machine paused with nothing to
    /// retry, which it took for "everything committed" and closed: the worker stopped.
    @Test func aCommitWhoseAnswerIsLostIsNeitherAppliedTwiceNorTheEndOfTheWorker() async throws {
        let stack = try await Self.stack("probe_commit_unknown")
        defer { try? stack.database.drop() }
        try await stack.publish(0..<Self.events)
        let (proxy, viaProxy) = try await onOwnThread { [database = stack.database] in
            let admin = try database.connect()
            let port = try admin.execute("SHOW port").rows.first?.string("port") ?? "5432"
            let user = try admin.execute("SELECT current_user AS name").rows.first?.string("name") ?? "postgres"
            let proxy = try CommitDroppingProxy(upstreamPort: Int(port) ?? 5432)
            return (proxy, "host=127.0.0.1 port=\(proxy.port) dbname=\(database.name) user=\(user) sslmode=disable")
        }
        defer { proxy.close() }
        let runner = RunnerUnderTest(ProbeProjection(), configuration: stack.configuration(databaseURL: viaProxy)) { commits in
            if commits == 1 { proxy.dropAfterNextCommit() }
        }
        try await waitUntil(timeout: .seconds(120), description: "every event applied") {
            if let ended = runner.ended { throw TestSupportFailure("the runner ended early: \(ended)") }
            return try await stack.count().events == Self.events
        }
        #expect(proxy.droppedCommits == 1, "a commit's answer was lost")
        #expect(runner.ended == nil, "still running after the lost answer")
        try await runner.stopAndWait()
        #expect(try await stack.count() == ProbeCount(applies: Self.events, events: Self.events), "each event applied once")
    }

    /// A zombie: the old owner's batch is inside its transaction, stalled (a GC pause, a slow disk), while the group
    /// gives its partition to another worker, which applies everything. When the old batch goes on, its checkpoint
    /// compare-and-set fails and its rows roll back: nothing is applied twice (the probe counts every apply).
    @Test func aZombiesInFlightBatchLosesItsCompareAndSetAndAppliesNothing() async throws {
        let stack = try await Self.stack("probe_zombie")
        defer { try? stack.database.drop() }
        try await stack.publish(0..<Self.events)
        var configuration = stack.configuration()
        // A member stuck in a callback (the zombie waits for its commit inside the revoke) leaves the group after this.
        configuration.kafka["max.poll.interval.ms"] = "4000"
        let gate = ApplyGate()
        let zombie = RunnerUnderTest(ProbeProjection(gate: gate), configuration: configuration)
        try await waitUntil(timeout: .seconds(60), description: "the zombie's first batch to stall in its transaction") {
            gate.isReached
        }
        let successor = RunnerUnderTest(ProbeProjection(), configuration: configuration)
        try await waitUntil(timeout: .seconds(120), description: "the successor to apply every event") {
            if let ended = successor.ended { throw TestSupportFailure("the successor ended early: \(ended)") }
            return try await stack.count().events == Self.events
        }
        gate.open()
        try await successor.stopAndWait()
        try await zombie.stopAndWait()
        #expect(try await stack.count() == ProbeCount(applies: Self.events, events: Self.events),
                "the zombie's batch rolled back: each event applied once")
    }

    /// A `TransientFailure` thrown by `apply` (a model timing out) is retried, never dead-lettered. Before one
    /// classifier decided it, the batch transaction took any Swift error for the event's fault and dead-lettered the
    /// events it then tried one by one.
    @Test func aTransientFailureInApplyIsRetriedNotDeadLettered() async throws {
        let stack = try await Self.stack("probe_transient")
        defer { try? stack.database.drop() }
        try await stack.publish(0..<Self.events)
        let runner = RunnerUnderTest(ProbeProjection(failures: ApplyFailures(calls: 2...4)), configuration: stack.configuration())
        try await waitUntil(timeout: .seconds(120), description: "every event applied or dead-lettered") {
            if let ended = runner.ended { throw TestSupportFailure("the runner ended early: \(ended)") }
            return try await stack.count().events + stack.deadLetters() == Self.events
        }
        try await runner.stopAndWait()
        #expect(try await stack.deadLetters() == 0)
        #expect(try await stack.count() == ProbeCount(applies: Self.events, events: Self.events))
    }

    /// A replay of newer code swaps in tables of another version and moves the checkpoints: the running worker of
    /// the older code is fenced at its next commit, and must stop saying to replay rather than write those tables.
    @Test func aWorkerFencedIntoTablesOfAnotherVersionStops() async throws {
        let stack = try await Self.stack("probe_version")
        defer { try? stack.database.drop() }
        try await stack.publish(0..<500)
        let runner = RunnerUnderTest(ProbeProjection(), configuration: stack.configuration())
        try await waitUntil(timeout: .seconds(120), description: "the first events applied") {
            if let ended = runner.ended { throw TestSupportFailure("the runner ended early: \(ended)") }
            return try await stack.count().events == 500
        }
        try await onOwnThread { [database = stack.database] in
            let db = try database.connect()
            try db.transaction { tx in
                try tx.execute("UPDATE annals.projections SET version = 2 WHERE name = 'probe'")
                try tx.execute("UPDATE annals.checkpoints SET next_offset = next_offset - 100 WHERE projection = 'probe'")
            }
        }
        try await stack.publish(500..<1_000)
        try await waitUntil(timeout: .seconds(120), description: "the runner to stop") { runner.ended != nil }
        #expect(throws: ProjectionError.versionMismatch(projection: "probe", tables: 2, code: 1)) { try runner.ended?.get() }
    }
}

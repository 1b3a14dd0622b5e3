import AnnalsEvents
import Foundation
import Kafka
import Logging
import Postgres
import Projection
import Story
import TestProbeProjection
import TestSupport

/// One test's world: its own mock Kafka cluster with `story-event`, its own database, a producer, and
/// helpers to run `annals-story-worker` processes (and `annals-probe-worker` ones, test tooling that records every
/// apply with no dedupe) and read what they wrote.
struct StoryStack: Sendable {
    let kafka: TestKafkaCluster
    let database: TestDatabase
    let producer: KafkaProducer
    let partitions: Int32
    static let topic = AnnalsTopic.storyEvent.rawValue
    /// Quiet: a torn-down mock cluster makes librdkafka report disconnects nobody needs to read.
    static let logger: Logger = {
        var logger = Logger(label: "annals.e2e")
        logger.logLevel = .critical
        return logger
    }()

    init(name: String, partitions: Int32 = 4, databaseServerURL: String? = nil) throws {
        kafka = try TestKafkaCluster(topics: [Self.topic: partitions])
        database = try databaseServerURL.map { try TestDatabase.create(prefix: name, serverURL: $0) } ?? TestDatabase.create(prefix: name)
        producer = try KafkaProducer(config: kafka.config, logger: Self.logger)
        self.partitions = partitions
    }

    /// Drops the database (worker processes must be gone).
    func tearDown() {
        try? database.drop()
    }

    // MARK: - Workers

    /// Starts `annals-story-worker` against this stack (or another database).
    /// `fastGroup` shortens the session timeout so the mock coordinator, which waits almost a session timeout
    /// for members during a rebalance, hands partitions over in seconds instead of 45.
    func startWorker(group: String, batchSize: Int = 5_000, lingerMs: Int = 50, databaseURL: String? = nil,
                     fastGroup: Bool = true, name: String = "worker", extraArguments: [String] = []) throws -> ChildProcess {
        try startWorker("annals-story-worker", group: group, batchSize: batchSize, lingerMs: lingerMs,
                        databaseURL: databaseURL, fastGroup: fastGroup, name: name, extraArguments: extraArguments)
    }

    /// Starts `annals-probe-worker` (test tooling: one row in probe.applies per apply, no event-id dedupe) on the
    /// same topic and database, with the same options as `startWorker`; give it a group of its own.
    func startProbeWorker(group: String, batchSize: Int = 5_000, lingerMs: Int = 50, databaseURL: String? = nil,
                          fastGroup: Bool = true, name: String = "probe") throws -> ChildProcess {
        try startWorker("annals-probe-worker", group: group, batchSize: batchSize, lingerMs: lingerMs,
                        databaseURL: databaseURL, fastGroup: fastGroup, name: name, extraArguments: [])
    }

    private func startWorker(_ executable: String, group: String, batchSize: Int, lingerMs: Int, databaseURL: String?,
                             fastGroup: Bool, name: String, extraArguments: [String]) throws -> ChildProcess {
        let groupTimings = fastGroup
            ? ["--kafka-property", "session.timeout.ms=6000", "--kafka-property", "heartbeat.interval.ms=200"] : []
        return try ChildProcess.annals(
            executable,
            arguments: [
                "--brokers", kafka.bootstrapServers, "--database-url", databaseURL ?? database.url,
                "--group", group, "--batch-size", String(batchSize), "--linger-ms", String(lingerMs),
            ] + groupTimings + extraArguments,
            logPath: ChildProcess.temporaryPath(name: name, suffix: ".log"))
    }

    /// Runs `annals` with `arguments` to completion; returns its exit status and output.
    func runCLI(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (ChildProcess.ExitStatus, String) {
        let process = try ChildProcess.annals("annals", arguments: arguments)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, process.log())
    }

    /// Waits until the stored checkpoints of the story projection (or `projection`, e.g. "probe") sum to `total`,
    /// failing fast (with the log) if one of `workers` exits.
    func waitForCheckpoints(total: Int64, workers: [ChildProcess], database: TestDatabase? = nil,
                            projection: String = "story", timeout: Duration = .seconds(90)) async throws {
        let database = database ?? self.database
        try await waitUntil(timeout: timeout, pollInterval: .milliseconds(100),
                            description: "\(projection) checkpoints in \(database.name) to reach \(total)") {
            for worker in workers {
                if let status = worker.status() {
                    throw TestSupportFailure("worker \(worker.pid) \(status) early; log:\n\(worker.logTail())")
                }
            }
            return (try? await Self.blocking { try Self.checkpointTotal(database, projection: projection) }) == total
        }
    }

    /// The partitions of each "assigned" log line of a worker, in order.
    static func assignments(in log: String) -> [Set<Int32>] {
        LogLine.parse(log).filter { $0.message == "assigned" && $0["source"] == "Projection" }.map { line in
            // partitions: [story-event[0], story-event[2]]
            var partitions: Set<Int32> = []
            for piece in (line["partitions"] ?? "").components(separatedBy: "story-event[").dropFirst() {
                if let number = Int32(piece.prefix { $0.isNumber }) { partitions.insert(number) }
            }
            return partitions
        }
    }

    // MARK: - Reading the database (blocking libpq calls run on their own thread)

    /// Runs blocking work (libpq) on a dedicated thread, never on the cooperative pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await onOwnThread(work)
    }

    func query(_ sql: String, _ parameters: [PostgresValue?] = [], in database: TestDatabase? = nil) async throws -> [PostgresRow] {
        let database = database ?? self.database
        return try await Self.blocking { try database.connect().execute(sql, parameters).rows }
    }

    func execute(_ sql: String, _ parameters: [PostgresValue?] = []) async throws {
        _ = try await query(sql, parameters)
    }

    /// Sum of the story projection's (or `projection`'s) stored next offsets (0 before the tables exist).
    static func checkpointTotal(_ database: TestDatabase, projection: String = "story") throws -> Int64 {
        let connection = try database.connect()
        let exists = try connection.execute("SELECT to_regclass('annals.checkpoints') IS NOT NULL AS present")
        guard try exists.rows.first?.bool("present") == true else { return 0 }
        let result = try connection.execute(
            "SELECT coalesce(sum(next_offset), 0)::bigint AS total FROM annals.checkpoints WHERE projection = $1",
            [PostgresValue(projection)])
        return try result.rows.first?.int64("total") ?? 0
    }

    func checkpointTotal(in database: TestDatabase? = nil, projection: String = "story") async throws -> Int64 {
        let database = database ?? self.database
        return try await Self.blocking { try Self.checkpointTotal(database, projection: projection) }
    }

    /// Stored next offset per partition.
    func checkpoints(in database: TestDatabase? = nil, projection: String = "story") async throws -> [Int32: Int64] {
        let rows = try await query(
            "SELECT partition, next_offset FROM annals.checkpoints WHERE projection = $1", [PostgresValue(projection)], in: database)
        var result: [Int32: Int64] = [:]
        for row in rows { result[Int32(try row.int("partition"))] = try row.int64("next_offset") }
        return result
    }

    /// High watermark of every partition of `story-event`.
    func highWatermarks() async throws -> [Int32: Int64] {
        let config = kafka.config
        let partitions = partitions
        return try await Self.blocking {
            let admin = try KafkaAdmin(config: config, logger: Self.logger)
            var result: [Int32: Int64] = [:]
            for partition in 0..<partitions {
                result[partition] = try admin.watermarks(TopicPartition(topic: Self.topic, partition: partition)).high
            }
            return result
        }
    }

    /// What the probe workers applied: rows of probe.applies and distinct event ids in them. Each event applied
    /// exactly once is `ProbeCount.exactlyOnce(eventsPublished)`.
    func probeCount(in database: TestDatabase? = nil) async throws -> ProbeCount {
        let database = database ?? self.database
        return try await Self.blocking { try ProbeCount.read(try database.connect()) }
    }

    func count(_ table: String, in database: TestDatabase? = nil) async throws -> Int {
        try await query("SELECT count(*)::bigint AS n FROM \(table)", in: database).first?.int("n") ?? -1
    }

    /// `story.worlds` as world id → (event_count, last_sequence, gap_count).
    func worlds(in database: TestDatabase? = nil) async throws -> [String: (eventCount: Int, lastSequence: Int, gaps: Int)] {
        var result: [String: (eventCount: Int, lastSequence: Int, gaps: Int)] = [:]
        for row in try await query("SELECT world_id, event_count, last_sequence, gap_count FROM story.worlds", in: database) {
            result[try row.string("world_id")] = (try row.int("event_count"), try row.int("last_sequence"), try row.int("gap_count"))
        }
        return result
    }

    /// Per table of the story projection: row count and order-independent checksum.
    func checksums(in database: TestDatabase? = nil) async throws -> [String] {
        let database = database ?? self.database
        return try await Self.blocking {
            try TableChecksum.checksums(of: StoryProjection(), connection: try database.connect())
                .map { "\($0.table) \($0.rows) \($0.checksum)" }
        }
    }

    /// Events whose sequence does not follow the previous one of their world in offset order (per-key order).
    func outOfOrderEvents(in database: TestDatabase? = nil) async throws -> Int {
        try await query(
            """
            SELECT count(*)::bigint AS n FROM (
                SELECT sequence, lag(sequence) OVER (PARTITION BY world_id ORDER BY partition, "offset") AS previous
                FROM story.events) ordered
            WHERE previous IS NOT NULL AND sequence <> previous + 1
            """, in: database).first?.int("n") ?? -1
    }

    /// Events of `range` whose row in story.events is missing or differs from what the generator made.
    func rowsDifferingFromGenerator(_ generator: StoryEventGenerator, _ range: Range<Int>) async throws -> [String] {
        let rows = try await query(
            """
            SELECT event_id, world_id, sequence, kind, array_to_string(actors, ',') AS actors, summary,
                   payload->>'region' AS region, (payload->>'index')::numeric::bigint AS payload_index,
                   (payload->>'heroic')::boolean AS heroic,
                   (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_us, producer, trace_id, topic
            FROM story.events
            """)
        var stored: [String: String] = [:]
        for row in rows {
            stored[try row.string("event_id")] = [
                try row.string("world_id"), String(try row.int("sequence")), try row.string("kind"), try row.string("actors"),
                try row.string("summary"), try row.string("region"), String(try row.int("payload_index")),
                String(try row.bool("heroic")), String(try row.int64("occurred_us")), try row.string("producer"),
                try row.string("trace_id"), try row.string("topic"),
            ].joined(separator: "|")
        }
        return range.compactMap { index in
            let event = generator.event(index)
            let expected = [
                event.worldID, String(event.sequence), event.kind, event.actors.joined(separator: ","), event.summary,
                "region-\(index % 5)", String(index), String(index % 2 == 0), String(generator.occurredAtMicroseconds(index)),
                event.meta.producer, event.meta.traceID, "story-event",
            ].joined(separator: "|")
            let got = stored[event.meta.eventID]
            return got == expected ? nil : "\(event.meta.eventID): stored \(got ?? "nothing"), expected \(expected)"
        }
    }

    /// Dead letters of the story projection: (partition, offset, error).
    func deadLetters() async throws -> [(partition: Int, offset: Int64, error: String)] {
        try await query(
            "SELECT partition, \"offset\", error FROM annals.dead_letters WHERE projection = 'story' ORDER BY partition, \"offset\"")
            .map { (try $0.int("partition"), try $0.int64("offset"), try $0.string("error")) }
    }
}

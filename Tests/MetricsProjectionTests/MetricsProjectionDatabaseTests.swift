import AnnalsEvents
import AnnalsMetrics
import Foundation
import Kafka
import Logging
@testable import MetricsProjection
import Postgres
import Projection
import Testing
import TestSupport

/// The metrics projection against a real PostgreSQL: raw samples, rollups equal to the pure fold, and the policy's
/// state carried across batches.
@Suite struct MetricsProjectionDatabaseTests {
    /// A test database with the metrics tables (and the outbox) in each of `schemas`.
    static func database(_ prefix: String, schemas: [String] = ["metrics"]) throws -> (TestDatabase, PostgresConnection) {
        let database = try TestDatabase.create(prefix: prefix)
        let connection = try database.connect()
        for schema in schemas {
            try connection.execute("CREATE SCHEMA \(quoteIdentifier(schema))")
            for statement in MetricsProjection(schema: schema).migrations(schema: schema) {
                try connection.execute(statement)
            }
        }
        return (database, connection)
    }

    /// `samples` as read from partition 0 of metric-sample, offsets from `firstOffset`.
    static func events(_ samples: [MetricSample], firstOffset: Int64 = 0) -> [ProjectedEvent] {
        samples.enumerated().map { index, sample in
            ProjectedEvent(event: .metricSample(sample),
                           coordinates: EventCoordinates(topic: "metric-sample", partition: 0, offset: firstOffset + Int64(index)))
        }
    }

    /// Applies `events` in transactions of `batchSize`.
    static func apply(_ events: [ProjectedEvent], _ projection: MetricsProjection, batchSize: Int = 5_000,
                      connection: PostgresConnection) throws {
        for start in stride(from: 0, to: events.count, by: batchSize) {
            let batch = Array(events[start..<min(start + batchSize, events.count)])
            try connection.transaction { try projection.apply(batch, schema: projection.schema, connection: $0) }
        }
    }

    static func checksums(_ projection: MetricsProjection, _ connection: PostgresConnection) throws -> [String] {
        try TableChecksum.checksums(of: projection, connection: connection).map { "\($0.table) \($0.rows) \($0.checksum)" }
    }

    /// Decision ids in the order made.
    static func decisionIDs(_ projection: MetricsProjection, _ connection: PostgresConnection) throws -> [String] {
        try connection.execute(
            "SELECT decision_id FROM \(quoteIdentifier(projection.schema)).decisions ORDER BY partition, \"offset\", ordinal"
        ).rows.map { try $0.string("decision_id") }
    }

    /// What the worker's policy decides over `samples` in one process: observed in order, nothing closed at the end.
    static func inProcessDecisionIDs(_ samples: [MetricSample]) -> [String] {
        var autoscaler = Autoscaler()
        return samples.flatMap { autoscaler.observe($0).decisions.map(\.decisionID) }
    }

    /// Runs `body` against a fresh database (see ``database(_:schemas:)``) on a thread of its own, libpq being
    /// blocking, and drops the database afterwards.
    static func withDatabase<T: Sendable>(_ prefix: String, schemas: [String] = ["metrics"],
                                          _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await onOwnThread {
            let (database, db) = try database(prefix, schemas: schemas)
            defer { try? database.drop() }
            return try body(db)
        }
    }

    @Test func rawSamplesAreIdempotentByEventID() async throws {
        let (once, again, count, lastOffset) = try await Self.withDatabase("metrics_idempotent") { db in
            let projection = MetricsProjection()
            let samples = Array(try MetricTraceFile.samples("spike").prefix(400))
            let events = Self.events(samples)
            try Self.apply(events, projection, connection: db)
            let once = try Self.checksums(projection, db)

            try Self.apply(events, projection, connection: db)
            try Self.apply(Array(events[100..<300]), projection, connection: db)
            // The same events published again further on in the topic: same event ids, so still nothing changes.
            try Self.apply(Self.events(Array(samples[0..<250]), firstOffset: 10_000), projection, batchSize: 50, connection: db)
            return (once, try Self.checksums(projection, db),
                    try db.execute("SELECT count(*) AS n FROM metrics.samples").rows.first?.int("n"),
                    try db.execute(#"SELECT max("offset") AS n FROM metrics.samples"#).rows.first?.int("n"))
        }
        #expect(again == once)
        #expect(count == 400)
        #expect(lastOffset == 399)
    }

    @Test func aLateSampleUpdatesItsMinuteAndEveryRollupEqualsThePureFold() async throws {
        var samples = Array(try MetricTraceFile.samples("spike").prefix(600))
        let early = samples[10]
        let minute = Minute(containing: early.sampledAt)
        let key = MinuteRollups.Key(tier: early.tier, minute: minute)
        // Minutes after its own minute closed, an instance nobody heard from reports for it, busier than the rest.
        var late = early
        late.meta.eventID = "late-\(early.meta.eventID)"
        late.instanceID = "straggler-1"
        late.sampledAt = Minute.timestamp(microseconds: minute.startMicroseconds + 59_999_999)
        late.gpuUtilization = 0.987654321
        late.queueDepth = 77
        late.latencyP95Seconds = 2.5
        late.spotInterruptionNotice = true

        let onTime = samples
        let (beforeLate, stored) = try await Self.withDatabase("metrics_late") { [late] db in
            let projection = MetricsProjection()
            try Self.apply(Self.events(onTime), projection, batchSize: 64, connection: db)
            let before = try Self.storedRollups(db)[key]
            try Self.apply(Self.events([late], firstOffset: 600), projection, connection: db)
            return (before, try Self.storedRollups(db))
        }
        samples.append(late)
        let expected = MinuteRollups(samples)
        #expect(stored.count == expected.count)
        for rollup in expected.all {
            #expect(stored[MinuteRollups.Key(tier: rollup.tier, minute: rollup.minute)] == StoredRollup(rollup),
                    "\(rollup.tier.name) \(rollup.minute)")
        }
        let before = try #require(beforeLate)
        let after = try #require(stored[key])
        #expect(after.samples == before.samples + 1 && after.instancesReporting == before.instancesReporting + 1)
        #expect(after.latencyP95Seconds == 2.5 && after.spotInterruptionNotice)
        #expect(after.queueDepth == before.queueDepth.map { $0 + 77 })
    }

    /// Readings a sample did not carry are NULL in metrics.samples, the rollups are the fold over the readings
    /// present (NULL where none is), and a refold from the table sees them absent again.
    @Test func absentReadingsAreStoredAsNullAndStayAbsentThroughARefold() async throws {
        let trace = Array(try MetricTraceFile.samples("spike").prefix(200))
        // Every sample of the first minute loses its GPU and queue readings, as if dcgm-exporter and the inference
        // server had not answered; a late sample then refolds that minute from the table.
        let firstMinute = Minute(containing: trace[0].sampledAt)
        let samples = trace.map { sample -> MetricSample in
            guard Minute(containing: sample.sampledAt) == firstMinute else { return sample }
            var blind = sample
            blind.clearGpuUtilization()
            blind.clearGpuMemoryUtilization()
            blind.clearQueueDepth()
            return blind
        }
        var late = samples[0]
        late.meta.eventID = "late-\(late.meta.eventID)"
        late.instanceID = "straggler-absent"
        late.clearLatencyP95Seconds()
        let key = MinuteRollups.Key(tier: late.tier, minute: firstMinute)
        let (nulls, stored) = try await Self.withDatabase("metrics_absent") { [samples, late] db in
            let projection = MetricsProjection()
            try Self.apply(Self.events(samples), projection, batchSize: 50, connection: db)
            try Self.apply(Self.events([late], firstOffset: Int64(samples.count)), projection, connection: db)
            let nulls = try db.execute(
                "SELECT count(*) FILTER (WHERE gpu_utilization IS NULL AND queue_depth IS NULL) AS n FROM metrics.samples")
                .rows.first?.int("n")
            return (nulls, try Self.storedRollups(db))
        }
        let expected = MinuteRollups(samples + [late])
        #expect(nulls == samples.filter { !$0.hasGpuUtilization }.count + 1)
        let refolded = try #require(stored[key])
        #expect(refolded.meanGPU == nil && refolded.queueDepth == nil, "\(refolded)")
        #expect(refolded.latencyP95Seconds != nil, "the other instances still report latency")
        for rollup in expected.all {
            #expect(stored[MinuteRollups.Key(tier: rollup.tier, minute: rollup.minute)] == StoredRollup(rollup),
                    "\(rollup.tier.name) \(rollup.minute)")
        }
    }

    @Test func thePolicyStateSurvivesBatchBoundaries() async throws {
        let samples = try MetricTraceFile.samples("ramp-100-to-10000")
        let whole = MetricsProjection(schema: "one_batch")
        let pieces = MetricsProjection(schema: "batches_of_7")
        let (ids, pieceIDs, wholeSums, pieceSums, capacities) = try await Self.withDatabase(
            "metrics_batches", schemas: ["one_batch", "batches_of_7"]
        ) { db in
            try Self.apply(Self.events(samples), whole, connection: db)
            try Self.apply(Self.events(samples), pieces, batchSize: 7, connection: db)
            return (try Self.decisionIDs(whole, db), try Self.decisionIDs(pieces, db), try Self.checksums(whole, db),
                    try Self.checksums(pieces, db),
                    try db.execute("SELECT capacity FROM one_batch.autoscaler_state").rows.map { try $0.int("capacity") })
        }
        #expect(ids.count > 20)
        #expect(pieceIDs == ids)
        #expect(ids == Self.inProcessDecisionIDs(samples), "the tables hold what Autoscaler decides in one process")
        #expect(pieceSums == wholeSums)
        #expect(capacities.count == 3 && capacities.allSatisfy { $0 >= 1 })
    }

    @Test func storedDecisionsCarryThePublishedEventAndTheirInputs() async throws {
        let projection = MetricsProjection()
        let rows = try await Self.withDatabase("metrics_decision_rows") { db in
            try Self.apply(Self.events(try MetricTraceFile.samples("spike")), projection, connection: db)
            return try db.execute(
                """
                SELECT decision_id, tier, kind, current_capacity, desired_capacity, desired_spot, desired_on_demand,
                       inputs->>'samples' AS samples, policy_version, event
                FROM metrics.decisions ORDER BY partition, "offset", ordinal
                """).rows
        }
        #expect(!rows.isEmpty)
        for row in rows {
            guard case .scaleDecision(let event) = try AnnalsTopic.scaleDecision.decode(binary: try row.bytes("event")) else {
                Issue.record("not a ScaleDecision")
                continue
            }
            let stored = [
                try row.string("decision_id"), try row.string("tier"), String(try row.int("current_capacity")),
                String(try row.int("desired_capacity")), String(try row.int("desired_spot")),
                String(try row.int("desired_on_demand")), try row.string("samples"), try row.string("policy_version"),
            ]
            let published = [
                event.decisionID, event.tier.name, String(event.currentCapacity), String(event.desiredCapacity),
                String(event.desiredSpot), String(event.desiredOnDemand), String(event.inputs.samples), event.policyVersion,
            ]
            #expect(stored == published)
            #expect(event.meta.eventID == event.decisionID && event.policyVersion == projection.policyVersion)
        }
        #expect(try rows.contains { try $0.string("kind") == "spot-replacement" }, "the spike trace has a spot reclaim")
    }

    @Test func onlyTheLiveProjectionQueuesDecisionsAndEachIDOnlyOnce() async throws {
        let (afterReplay, ids, afterLive, afterAgain, unsent) = try await Self.withDatabase(
            "metrics_outbox", schemas: ["replayed", "live", "live_again"]
        ) { db in
            let events = Self.events(try MetricTraceFile.samples("spike"))
            func queued() throws -> [String] {
                try db.execute("SELECT decision_id FROM metrics_outbox.decisions ORDER BY sequence").rows
                    .map { try $0.string("decision_id") }
            }
            try Self.apply(events, MetricsProjection(schema: "replayed"), connection: db)
            let afterReplay = try queued()

            let live = MetricsProjection(schema: "live", queuesDecisions: true)
            try Self.apply(events, live, batchSize: 100, connection: db)
            let ids = try Self.decisionIDs(live, db)
            let afterLive = try queued()
            try DecisionOutbox.markSent(ids, connection: db)

            // A live worker applying the same history again (after an in-place replay reset its checkpoints).
            try Self.apply(events, MetricsProjection(schema: "live_again", queuesDecisions: true), connection: db)
            return (afterReplay, ids, afterLive, try queued(), try DecisionOutbox.unsent(limit: 100, connection: db).count)
        }
        #expect(afterReplay.isEmpty, "a replay publishes nothing")
        #expect(!ids.isEmpty)
        #expect(afterLive == ids, "queued in the order made")
        #expect(afterAgain == ids, "a decision id is queued once, ever")
        #expect(unsent == 0)
    }

    @Test func unreadableStoredStateStopsTheWorkerAtStartUp() async throws {
        let message = try await Self.withDatabase("metrics_bad_state") { db -> String? in
            try db.execute(
                "INSERT INTO metrics.autoscaler_state (tier, capacity, policy_version, state) VALUES ('gold', 1, 'x', '{\"policy\": 3}')")
            do {
                try ProjectionMigrator.migrate(MetricsProjection(), connection: db)
                return nil
            } catch let error as any RemediableError {
                return error.remedy == .replayInPlace(projection: "metrics") ? "\(error)" : "no remedy: \(error)"
            } catch {
                return "not remediable: \(error)"
            }
        }
        #expect(message?.contains("autoscaler state of gold cannot be read") == true, "\(message ?? "no error")")
    }

    @Test func aSampleTheDatabaseRejectsIsDeadLetteredAndThePolicyCarriesOn() async throws {
        let kafka = try TestKafkaCluster(topics: ["metric-sample": 3])
        let database = try TestDatabase.create(prefix: "metrics_poison")
        defer { try? database.drop() }
        var samples = try MetricTraceFile.samples("spike")
        var poison = samples[500]
        poison.meta.eventID = "poison-1"
        poison.instanceID = "gold-\u{0}-nul"  // valid protobuf, but no PostgreSQL text can hold a NUL
        samples.insert(poison, at: 501)
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        try await StoryEventGenerator.send(try samples.map(MetricTraceFile.record), with: producer)

        let url = database.url
        let config = kafka.consumerConfig
        let result = try await onOwnThread {
            try ProjectionRebuild.inPlace(MetricsProjection(), kafka: config, databaseURL: url, logger: Logger(label: "test"),
                                          progress: { _ in })
        }
        #expect(result.done == Int64(samples.count))
        let (dead, stored, ids) = try await onOwnThread { () -> (Int, Int, [String]) in
            let db = try database.connect()
            return (
                try db.execute("SELECT count(*) AS n FROM annals.dead_letters WHERE projection = 'metrics'").rows.first?.int("n") ?? -1,
                try db.execute("SELECT count(*) AS n FROM metrics.samples").rows.first?.int("n") ?? -1,
                try Self.decisionIDs(MetricsProjection(), db))
        }
        #expect(dead == 1)
        #expect(stored == samples.count - 1)
        let good = samples.filter { $0.meta.eventID != "poison-1" }
        #expect(Set(ids) == Set(Self.inProcessDecisionIDs(good)), "the policy ran over every other sample, from its stored state")
    }

    // MARK: - Reading rollups

    /// A `metrics.rollups` row, or a ``MinuteRollup``'s numbers in the same shape.
    struct StoredRollup: Equatable, Sendable, CustomStringConvertible {
        var samples: Int
        var instancesReporting: Int
        /// Bit patterns: equal doubles, not merely close ones; nil for an absent reading (NULL).
        var meanGPU: UInt64?, maxGPU: UInt64?, meanMemory: UInt64?, maxMemory: UInt64?
        var queueDepth: UInt64?
        var latencyP95Seconds: Double?
        var activePlayers: UInt64?
        var spotInterruptionNotice: Bool

        init(_ rollup: MinuteRollup) {
            samples = rollup.samples
            instancesReporting = rollup.instancesReporting
            meanGPU = rollup.meanGPUUtilization?.bitPattern
            maxGPU = rollup.maxGPUUtilization?.bitPattern
            meanMemory = rollup.meanGPUMemoryUtilization?.bitPattern
            maxMemory = rollup.maxGPUMemoryUtilization?.bitPattern
            queueDepth = rollup.queueDepth
            latencyP95Seconds = rollup.latencyP95Seconds
            activePlayers = rollup.activePlayers
            spotInterruptionNotice = rollup.spotInterruptionNotice
        }

        init(_ row: PostgresRow) throws {
            samples = try row.int("samples")
            instancesReporting = try row.int("instances_reporting")
            func bits(_ column: String) throws -> UInt64? { row.isNull(column) ? nil : try row.double(column).bitPattern }
            meanGPU = try bits("mean_gpu_utilization")
            maxGPU = try bits("max_gpu_utilization")
            meanMemory = try bits("mean_gpu_memory_utilization")
            maxMemory = try bits("max_gpu_memory_utilization")
            queueDepth = row.optionalString("queue_depth").map { UInt64($0) ?? .max }
            latencyP95Seconds = row.isNull("latency_p95_seconds") ? nil : try row.double("latency_p95_seconds")
            activePlayers = row.optionalString("active_players").map { UInt64($0) ?? .max }
            spotInterruptionNotice = try row.bool("spot_interruption_notice")
        }

        var description: String {
            "\(samples) samples, \(instancesReporting) instances, gpu \(meanGPU.map { Double(bitPattern: $0) } ?? .nan)/"
                + "\(maxGPU.map { Double(bitPattern: $0) } ?? .nan), queue \(queueDepth.map(String.init) ?? "absent"), "
                + "p95 \(latencyP95Seconds ?? .nan), players \(activePlayers.map(String.init) ?? "absent"), spot \(spotInterruptionNotice)"
        }
    }

    static func storedRollups(_ db: PostgresConnection) throws -> [MinuteRollups.Key: StoredRollup] {
        var rollups: [MinuteRollups.Key: StoredRollup] = [:]
        for row in try db.execute(
            "SELECT *, (extract(epoch FROM minute) * 1000000)::bigint AS minute_us FROM metrics.rollups").rows {
            guard let tier = Tier(name: try row.string("tier")) else { throw TestSupportFailure("unknown tier in metrics.rollups") }
            let key = MinuteRollups.Key(tier: tier, minute: Minute(containingMicroseconds: try row.int64("minute_us")))
            rollups[key] = try StoredRollup(row)
        }
        return rollups
    }
}

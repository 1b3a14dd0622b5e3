import AnnalsEvents
import Kafka
import Logging
import Postgres
import Projection
import Scaling
import TestSupport
import Testing

/// The scaling projection against a real PostgreSQL.
@Suite struct ScalingProjectionDatabaseTests {
    let projection = ScalingProjection()

    func migrated(_ prefix: String) throws -> (TestDatabase, PostgresConnection) {
        let database = try TestDatabase.create(prefix: prefix)
        let db = try database.connect()
        try ProjectionMigrator.migrate(projection, connection: db)
        return (database, db)
    }

    func apply(_ decisions: [ScaleDecision], from offset: Int64, _ db: PostgresConnection) throws {
        try db.transaction { tx in
            try projection.apply(ScalingFixtures.projected(decisions, from: offset), schema: projection.schema, connection: tx)
        }
    }

    @Test func everyDecisionIsKeptAndTheCapacityComesFromTheNewest() throws {
        let (database, db) = try migrated("scaling_history")
        defer { try? database.drop() }
        try apply([ScalingFixtures.decision("g1", desired: 5, second: 10),
                   ScalingFixtures.decision("s1", tier: .silver, desired: 2, second: 12)], from: 0, db)
        try apply([ScalingFixtures.decision("g2", desired: 7, second: 20)], from: 2, db)

        let history = try db.execute("""
            SELECT decision_id, desired_capacity, superseded, samples, queue_depth::text AS queue_depth, "offset"
            FROM scaling.decisions ORDER BY "offset"
            """).rows
        #expect(try history.map { try $0.string("decision_id") } == ["g1", "s1", "g2"])
        #expect(try history.map { try $0.bool("superseded") } == [false, false, false])
        #expect(try history.first?.int("samples") == 12, "the inputs it was decided on are kept")
        #expect(try history.first?.string("queue_depth") == "40")
        let capacity = try projection.capacity(connection: db)
        #expect(capacity.map(\.tier) == ["gold", "silver"])
        #expect(capacity.map(\.desired) == [7, 2])
        #expect(capacity.first?.stamp == DecisionStamp(decidedAt: (ScalingFixtures.epoch + 20) * 1_000_000, decisionID: "g2"))
        #expect(capacity.first.map { ($0.desiredSpot, $0.desiredOnDemand) } ?? (0, 0) == (5, 2))
    }

    @Test func anOlderDecisionArrivingLaterIsRecordedButDoesNotReplaceTheNewer() throws {
        let (database, db) = try migrated("scaling_older")
        defer { try? database.drop() }
        try apply([ScalingFixtures.decision("g2", desired: 7, second: 20)], from: 0, db)
        try apply([ScalingFixtures.decision("g1", desired: 2, second: 10)], from: 1, db)
        // Same instant: the larger decision id is the newer one, whichever arrives first.
        try apply([ScalingFixtures.decision("g2-b", desired: 8, second: 20), ScalingFixtures.decision("g2-a", desired: 9, second: 20)],
                  from: 2, db)

        let superseded = try db.execute("SELECT decision_id FROM scaling.decisions WHERE superseded ORDER BY decision_id").rows
        #expect(try superseded.map { try $0.string("decision_id") } == ["g1", "g2-a"])
        let gold = try #require(try projection.capacity(connection: db).first)
        #expect(gold.stamp.decisionID == "g2-b")
        #expect(gold.desired == 8)
    }

    @Test func theSameDecisionTwiceChangesNothing() throws {
        let (database, db) = try migrated("scaling_twice")
        defer { try? database.drop() }
        let decisions = [ScalingFixtures.decision("g1", desired: 5, second: 10), ScalingFixtures.decision("g2", desired: 7, second: 20)]
        try apply(decisions, from: 0, db)
        let once = try TableChecksum.checksums(of: projection, connection: db).map(\.checksum)
        // Re-published at other offsets, in one batch with itself, and replayed at the same offsets.
        try apply(decisions + decisions, from: 2, db)
        try apply(decisions, from: 0, db)
        #expect(try TableChecksum.checksums(of: projection, connection: db).map(\.checksum) == once)
        #expect(try db.execute("SELECT count(*) AS n FROM scaling.decisions").rows.first?.int("n") == 2)
    }

    @Test func replayingScaleDecisionRebuildsIdenticalTables() async throws {
        let kafka = try TestKafkaCluster(topics: ["scale-decision": 3])
        let database = try TestDatabase.create(prefix: "scaling_replay")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        var decisions: [ScaleDecision] = []
        let tiers: [Annals_V1_Tier] = [.gold, .silver, .bronze]
        for index in 0..<30 {
            // Decision times out of publishing order, and some decisions published twice.
            let id = "d\(index % 26)"
            decisions.append(ScalingFixtures.decision(id, tier: tiers[index % 26 % 3], desired: UInt32(index % 26 + 1),
                                                      second: Int64((index % 26 * 37) % 101)))
        }
        try await StoryEventGenerator.send(try decisions.map(ScalingFixtures.record), with: producer)

        _ = try ProjectionRebuild.inPlace(projection, kafka: kafka.consumerConfig, databaseURL: database.url,
                                          logger: Logger(label: "test"), progress: { _ in })
        let db = try database.connect()
        let first = try TableChecksum.checksums(of: projection, connection: db)
        _ = try ProjectionRebuild.inPlace(projection, kafka: kafka.consumerConfig, databaseURL: database.url,
                                          logger: Logger(label: "test"), progress: { _ in })
        let second = try TableChecksum.checksums(of: projection, connection: db)
        #expect(first.map(\.checksum) == second.map(\.checksum))
        #expect(first.map(\.rows) == [26, 3])
        // Each tier's capacity is its latest decided decision, not its last published one.
        for capacity in try projection.capacity(connection: db) {
            let newest = decisions.filter { $0.tier.name == capacity.tier }.map { DecisionStamp($0) }.max()
            #expect(capacity.stamp == newest)
        }
    }
}

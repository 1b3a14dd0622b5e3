import AnnalsEvents
import Kafka
import Logging
import Postgres
import Projection
import Story
import TestSupport
import Testing

/// The story projection against a real PostgreSQL, driven by the real runner over the Kafka protocol.
@Suite struct StoryProjectionDatabaseTests {
    static func event(_ id: String, sequence: UInt64, summary: String = "a summary") -> StoryEvent {
        var event = StoryEvent()
        event.meta.eventID = id
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(sequence))
        event.worldID = "world-a"
        event.sequence = sequence
        event.kind = "quest-completed"
        event.summary = summary
        return event
    }

    @Test func anEventTheDatabaseRejectsIsDeadLetteredAndTheEventsAfterItApply() async throws {
        let kafka = try TestKafkaCluster(topics: ["story-event": 1])
        let database = try TestDatabase.create(prefix: "story_rejected")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        let events = [
            Self.event("e1", sequence: 1),
            Self.event("e2", sequence: 2, summary: "a NUL \u{0} Postgres cannot store"),
            Self.event("e3", sequence: 3),
        ]
        try await StoryEventGenerator.send(try events.map { try StoryEventGenerator.record(for: $0) }, with: producer)

        let result = try ProjectionRebuild.inPlace(
            StoryProjection(), kafka: kafka.consumerConfig, databaseURL: database.url, logger: Logger(label: "test"),
            progress: { _ in })

        #expect(result.done == 3)
        let db = try database.connect()
        let stored = try db.execute("SELECT event_id FROM story.events ORDER BY event_id").rows.map { try $0.string("event_id") }
        #expect(stored == ["e1", "e3"])
        let dead = try db.execute(#"SELECT "offset", error FROM annals.dead_letters WHERE projection = 'story'"#).rows
        #expect(dead.count == 1)
        #expect(try dead.first?.int64("offset") == 1)
        #expect(try dead.first?.string("error").contains("the database rejected the event") == true)
        let world = try #require(try db.execute("SELECT event_count, last_sequence, gap_count FROM story.worlds").rows.first)
        #expect(try world.int("event_count") == 2)
        #expect(try world.int("last_sequence") == 3)
        #expect(try world.int("gap_count") == 1, "the missing sequence 2 is recorded as a gap, not hidden")
        let checkpoint = try db.execute("SELECT next_offset FROM annals.checkpoints WHERE projection = 'story'").rows
        #expect(try checkpoint.map { try $0.int64("next_offset") } == [3])
    }

    @Test func applyingTheSameEventsTwiceChangesNothing() throws {
        let database = try TestDatabase.create(prefix: "story_idempotent")
        defer { try? database.drop() }
        let db = try database.connect()
        let projection = StoryProjection()
        try ProjectionMigrator.migrate(projection, connection: db)
        let batch = (1...5).map { index in
            ProjectedEvent(event: .storyEvent(Self.event("e\(index)", sequence: UInt64(index))),
                           coordinates: EventCoordinates(topic: "story-event", partition: 0, offset: Int64(index)))
        }
        try db.transaction { try projection.apply(batch, schema: projection.schema, connection: $0) }
        let once = try TableChecksum.checksums(of: projection, connection: db).map(\.checksum)
        try db.transaction { try projection.apply(batch, schema: projection.schema, connection: $0) }
        try db.transaction { try projection.apply(Array(batch[2...]), schema: projection.schema, connection: $0) }
        let again = try TableChecksum.checksums(of: projection, connection: db).map(\.checksum)
        #expect(once == again)
        #expect(try db.execute("SELECT event_count FROM story.worlds").rows.first?.int("event_count") == 5)
    }

    @Test func tablesOfAnotherVersionAreRefusedWithAReplayHint() throws {
        let database = try TestDatabase.create(prefix: "story_version")
        defer { try? database.drop() }
        let db = try database.connect()
        try ProjectionMigrator.migrate(StoryProjection(), connection: db)
        try db.execute("UPDATE annals.projections SET version = 99 WHERE name = 'story'")
        #expect(throws: ProjectionError.versionMismatch(projection: "story", tables: 99, code: 1)) {
            try ProjectionMigrator.migrate(StoryProjection(), connection: db)
        }
        #expect(ProjectionError.versionMismatch(projection: "story", tables: 99, code: 1).remedy
            == .replayInPlace(projection: "story"), "says what to do, as data the command line renders")
    }
}

@Suite struct RebuildRefusalTests {
    /// Publishes 7 MiB of story events to story-event[0]: the mock broker keeps at most 5 MiB per partition, so the
    /// first ones are deleted. Returns the partition's watermarks after.
    static func publishPastTheBrokersLimit(_ kafka: TestKafkaCluster) async throws -> (low: Int64, high: Int64) {
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        let filler = String(repeating: "x", count: 16 * 1024)
        let records = try (1...450).map { index in
            try StoryEventGenerator.record(for: StoryProjectionDatabaseTests.event("e\(index)", sequence: UInt64(index), summary: filler))
        }
        try await StoryEventGenerator.send(records, with: producer)
        let admin = try KafkaAdmin(config: kafka.config, logger: Logger(label: "test"))
        let marks = try admin.watermarks(TopicPartition(topic: "story-event", partition: 0))
        try #require(marks.low > 0, "the mock broker no longer trims partitions; this test needs another way to delete history")
        return marks
    }

    @Test func aRebuildRefusesATopicWhoseFirstEventsWereDeletedAndLeavesTheTablesAlone() async throws {
        let kafka = try TestKafkaCluster(topics: ["story-event": 1])
        let database = try TestDatabase.create(prefix: "story_truncated")
        defer { try? database.drop() }
        let db = try database.connect()
        try ProjectionMigrator.migrate(StoryProjection(), connection: db)
        try db.execute("""
            INSERT INTO story.worlds VALUES ('kept', 1, now(), now(), 1, 0)
            """)
        let marks = try await Self.publishPastTheBrokersLimit(kafka)

        #expect(throws: RebuildError.historyDeleted(partition: TopicPartition(topic: "story-event", partition: 0), lowWatermark: marks.low)) {
            _ = try ProjectionRebuild.inPlace(StoryProjection(), kafka: kafka.config, databaseURL: database.url,
                                              logger: Logger(label: "test"), progress: { _ in })
        }
        #expect(try db.execute("SELECT world_id FROM story.worlds").rows.map { try $0.string("world_id") } == ["kept"])
    }
}

@Suite(.timeLimit(.minutes(3))) struct CheckpointOutsideLogTests {
    @Test func aWorkerWithoutCheckpointsRefusesAPartitionWhoseFirstEventsWereDeleted() async throws {
        let kafka = try TestKafkaCluster(topics: ["story-event": 1])
        let database = try TestDatabase.create(prefix: "story_trimmed_fresh")
        defer { try? database.drop() }
        _ = try await RebuildRefusalTests.publishPastTheBrokersLimit(kafka)

        let configuration = RunnerConfiguration(
            kafka: kafka.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("trimmed"), databaseURL: database.url)
        // Without the refusal the worker would keep projecting from the log's start: stop it after a while.
        let stop = StopSignal()
        let deadline = Task { try await Task.sleep(for: .seconds(20)); stop.request() }
        defer { deadline.cancel() }
        let error = await #expect(throws: ProjectionError.self) {
            try await ProjectionService.runOnThread(name: "trimmed") {
                try ProjectionRunner(projection: StoryProjection(), configuration: configuration, logger: Logger(label: "test"))
                    .run(until: stop)
            }
        }
        guard case .historyDeleted(let projection, let detail) = error else {
            Issue.record("expected historyDeleted, got \(String(describing: error))")
            return
        }
        #expect(projection == "story")
        #expect(detail.contains("story-event[0]"), "\(detail)")
        let db = try database.connect()
        #expect(try db.execute("SELECT count(*) AS n FROM story.events").rows.first?.int("n") == 0,
                "nothing is projected from part of the history")
        #expect(try db.execute("SELECT count(*) AS n FROM annals.checkpoints").rows.first?.int("n") == 0)
    }

    @Test func aCheckpointBeyondTheLogStopsTheWorkerInsteadOfSilentlyResetting() async throws {
        let kafka = try TestKafkaCluster(topics: ["story-event": 1])
        let database = try TestDatabase.create(prefix: "story_outside_log")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        let events = (1...3).map { StoryProjectionDatabaseTests.event("e\($0)", sequence: UInt64($0)) }
        try await StoryEventGenerator.send(try events.map { try StoryEventGenerator.record(for: $0) }, with: producer)
        let db = try database.connect()
        try ProjectionMigrator.migrate(StoryProjection(), connection: db)
        // Checkpoints from another cluster, or from before the topic was recreated.
        try db.execute("INSERT INTO annals.checkpoints (projection, topic, partition, next_offset) VALUES ('story', 'story-event', 0, 100)")

        let configuration = RunnerConfiguration(
            kafka: kafka.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("outside-log"), databaseURL: database.url)
        await #expect(throws: ProjectionError.self) {
            try await ProjectionService.runOnThread(name: "outside-log") {
                try ProjectionRunner(projection: StoryProjection(), configuration: configuration, logger: Logger(label: "test"))
                    .run(until: StopSignal())
            }
        }
        #expect(try db.execute("SELECT count(*) AS n FROM story.events").rows.first?.int("n") == 0)
        #expect(try db.execute("SELECT next_offset FROM annals.checkpoints").rows.first?.int64("next_offset") == 100,
                "the checkpoint is never moved back")
    }
}

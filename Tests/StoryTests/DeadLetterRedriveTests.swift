import AnnalsEvents
import Foundation
import Kafka
import Postgres
@testable import Projection
import Story
import TestSupport
import Testing

/// `DeadLetterRedrive` against a real PostgreSQL, with the story projection: dead letters recorded as a worker
/// records them, then re-driven.
@Suite(.timeLimit(.minutes(4)))
struct DeadLetterRedriveTests {
    static let topic = AnnalsTopic.storyEvent.rawValue

    static func event(_ id: String, sequence: UInt64, world: String = "world-a", summary: String = "a summary") -> StoryEvent {
        var event = StoryEvent()
        event.meta.eventID = id
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(sequence))
        event.worldID = world
        event.sequence = sequence
        event.kind = "quest-completed"
        event.summary = summary
        return event
    }

    static func letter(_ value: [UInt8], offset: Int64, error: String = "as the worker said") -> DeadLetter {
        DeadLetter(
            coordinates: EventCoordinates(topic: topic, partition: 0, offset: offset), key: Array("world-a".utf8),
            value: value,
            headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.storyEvent.messageTypeName.utf8)),
                      KafkaHeader(key: "no-value", value: nil)],
            error: error)
    }

    /// A migrated story database holding `letters` as dead letters; returns it and the letters' ids in offset order.
    static func database(_ prefix: String, letters: [DeadLetter], applied: [StoryEvent] = []) throws -> (TestDatabase, [Int64]) {
        let database = try TestDatabase.create(prefix: prefix)
        let db = try database.connect()
        let projection = StoryProjection()
        try ProjectionMigrator.migrate(projection, connection: db)
        try db.transaction { tx in
            try projection.apply(
                applied.enumerated().map { index, event in
                    ProjectedEvent(event: .storyEvent(event), coordinates: EventCoordinates(topic: topic, partition: 1, offset: Int64(index)))
                },
                schema: projection.schema, connection: tx)
            try DeadLetterStore(projection: "story").record(letters, in: tx)
        }
        let ids = try db.execute(#"SELECT id FROM annals.dead_letters ORDER BY "offset""#).rows.map { try $0.int64("id") }
        return (database, ids)
    }

    static func storedEvents(_ database: TestDatabase) throws -> [String] {
        try database.connect().execute("SELECT event_id FROM story.events ORDER BY event_id").rows.map { try $0.string("event_id") }
    }

    @Test func aRedriveAppliesWhatNowDecodesAndKeepsWhatStillFailsWaitingWithTheNewReason() async throws {
        let big: [UInt8] = try Self.event("big", sequence: 2, summary: String(repeating: "x", count: 1_100_000)).serializedBytes()
        let invalid: [UInt8] = try Self.event("no-world", sequence: 3, world: "").serializedBytes()
        try await onOwnThread {
            let (database, ids) = try Self.database("redrive_mixed", letters: [
                Self.letter(big, offset: 1, error: "event is 1,100,0xx bytes, over the 1,048,576-byte limit (--max-event-bytes)"),
                Self.letter([0xFF, 0x01, 0x02], offset: 2),
                Self.letter(invalid, offset: 3),
            ], applied: [Self.event("first", sequence: 1)])
            defer { try? database.drop() }
            let db = try database.connect()
            var reported: [Int64] = []

            let attempts = try DeadLetterRedrive(projection: StoryProjection(), maxEventBytes: 2_000_000)
                .run(connection: db) { reported.append($0.letter.id) }

            #expect(reported == ids, "reported one by one, in offset order")
            #expect(attempts.map(\.outcome.isStillWaiting) == [false, true, true])
            #expect(attempts.first?.outcome == .applied)
            #expect(try Self.storedEvents(database) == ["big", "first"])
            let rows = try db.execute(#"SELECT id, error, redriven_at IS NOT NULL AS done FROM annals.dead_letters ORDER BY "offset""#).rows
            #expect(try rows.map { try $0.bool("done") } == [true, false, false], "the applied one stays, marked")
            #expect(try rows[0].string("error").hasPrefix("event is 1,100,0xx bytes"), "an applied letter keeps why it failed")
            let errors = try rows.map { try $0.string("error") }
            #expect(errors[1].contains("not a valid annals.v1.StoryEvent"), "\(errors)")
            #expect(errors[2].contains("world_id"), "\(errors)")
            let world = try #require(try db.execute("SELECT event_count, last_sequence FROM story.worlds").rows.first)
            #expect(try world.int("event_count") == 2 && world.int("last_sequence") == 2)

            let again = try DeadLetterRedrive(projection: StoryProjection(), maxEventBytes: 2_000_000).run(connection: db)
            #expect(again.map(\.letter.id) == Array(ids.dropFirst()), "only the waiting ones are tried again")
        }
    }

    @Test func aDryRunReportsWhatWouldHappenAndChangesNothing() async throws {
        let good: [UInt8] = try Self.event("good", sequence: 1).serializedBytes()
        try await onOwnThread {
            let (database, _) = try Self.database("redrive_dry", letters: [Self.letter(good, offset: 0), Self.letter([0xFF], offset: 1)])
            defer { try? database.drop() }
            let db = try database.connect()

            let attempts = try DeadLetterRedrive(projection: StoryProjection()).run(dryRun: true, connection: db)

            #expect(attempts.map(\.outcome.isStillWaiting) == [false, true])
            #expect(try Self.storedEvents(database).isEmpty)
            let rows = try db.execute(#"SELECT error, redriven_at IS NULL AS waiting FROM annals.dead_letters ORDER BY "offset""#).rows
            #expect(try rows.map { try $0.bool("waiting") } == [true, true])
            #expect(try rows.map { try $0.string("error") } == ["as the worker said", "as the worker said"])
        }
    }

    @Test func reDrivingAnEventAppliedAlreadyChangesNoRow() async throws {
        let event = Self.event("twice", sequence: 1)
        let bytes: [UInt8] = try event.serializedBytes()
        try await onOwnThread {
            let (database, _) = try Self.database("redrive_applied", letters: [Self.letter(bytes, offset: 7)], applied: [event])
            defer { try? database.drop() }
            let db = try database.connect()
            func checksums() throws -> [String] {
                try TableChecksum.checksums(of: StoryProjection(), connection: db).map { "\($0.table) \($0.rows) \($0.checksum)" }
            }
            let before = try checksums()

            let attempts = try DeadLetterRedrive(projection: StoryProjection()).run(connection: db)

            #expect(attempts.map(\.outcome) == [.applied])
            #expect(try checksums() == before)
        }
    }

    /// A letter re-driven into the live tables, then dead-lettered again by the worker writing the tables that replaced
    /// them (after a replay's swap the live worker re-reads from the replay's stop offsets): it must wait again, with
    /// the new reason, not stay marked re-driven while its effect is in no table.
    @Test func aReDrivenLetterDeadLetteredAgainWaitsAgainWithTheNewReason() async throws {
        let good: [UInt8] = try Self.event("good", sequence: 1).serializedBytes()
        try await onOwnThread {
            let (database, ids) = try Self.database("redrive_again", letters: [Self.letter(good, offset: 4)])
            defer { try? database.drop() }
            let db = try database.connect()
            #expect(try DeadLetterRedrive(projection: StoryProjection()).run(connection: db).map(\.outcome) == [.applied])
            #expect(try DeadLetterStore.summaries(projection: "story", includeRedriven: false, connection: db).isEmpty)

            try db.transaction { tx in
                try DeadLetterStore(projection: "story").record([Self.letter(good, offset: 4, error: "refused by the new tables")], in: tx)
            }

            let waiting = try DeadLetterStore.summaries(projection: "story", includeRedriven: false, connection: db)
            #expect(waiting.map(\.id) == ids, "the same letter, waiting again")
            let error = try db.execute("SELECT error FROM annals.dead_letters").rows.first?.string("error")
            #expect(error == "refused by the new tables")
        }
    }

    /// A letter dead-lettered for an event time far ahead of its record's timestamp keeps that timestamp, so a redrive
    /// refuses it as the worker did (applied, it would freeze the tier it belongs to).
    @Test func aRedriveBoundsEventTimesAgainstTheRecordsOwnTimestamp() async throws {
        var event = Self.event("from-the-future", sequence: 1)
        event.meta.occurredAt = EventTimestamp(seconds: 2_719_000_000)  // 2056
        let message = KafkaMessage(
            topic: Self.topic, partition: 0, offset: 9, key: Array("world-a".utf8), value: try event.serializedBytes(),
            headers: [], timestampMilliseconds: 1_796_551_200_000)  // 2026-12-06
        guard case .deadLetter(let letter) = BatchDecoder(topics: [.storyEvent]).decodeOne(message) else {
            Issue.record("the worker's decoder must refuse it")
            return
        }
        try await onOwnThread {
            let (database, _) = try Self.database("redrive_future", letters: [letter])
            defer { try? database.drop() }
            let attempts = try DeadLetterRedrive(projection: StoryProjection()).run(connection: try database.connect())
            guard case .failed(let reason) = attempts.first?.outcome else {
                Issue.record("applied: \(attempts)")
                return
            }
            #expect(reason.contains("--event-time-horizon-seconds"))
            #expect(try Self.storedEvents(database).isEmpty)
        }
    }

    @Test func aLetterStillWaitingKeepsItsFirstReasonWhenRecordedAgain() async throws {
        let good: [UInt8] = try Self.event("good", sequence: 1).serializedBytes()
        try await onOwnThread {
            let (database, _) = try Self.database("redrive_waiting", letters: [Self.letter(good, offset: 4)])
            defer { try? database.drop() }
            let db = try database.connect()
            try db.transaction { tx in
                try DeadLetterStore(projection: "story").record([Self.letter(good, offset: 4, error: "a second reading")], in: tx)
            }
            let error = try db.execute("SELECT error FROM annals.dead_letters").rows.first?.string("error")
            #expect(error == "as the worker said")
        }
    }

    @Test func namedIdsMustExistAndBeTheProjectionsAndOnesReDrivenAlreadyAreSkipped() async throws {
        let good: [UInt8] = try Self.event("good", sequence: 1).serializedBytes()
        try await onOwnThread {
            let (database, ids) = try Self.database("redrive_ids", letters: [Self.letter(good, offset: 0)])
            defer { try? database.drop() }
            let db = try database.connect()
            try DeadLetterStore(projection: "kb").record([Self.letter(good, offset: 9)], in: db)
            let kbID = try #require(try db.execute("SELECT id FROM annals.dead_letters WHERE projection = 'kb'").rows.first?.int64("id"))
            let redrive = DeadLetterRedrive(projection: StoryProjection())

            #expect(throws: DeadLetterError.unknownID(999_999)) { try redrive.run(ids: [ids[0], 999_999], connection: db) }
            #expect(throws: DeadLetterError.otherProjection(id: kbID, owner: "kb", requested: "story")) {
                try redrive.run(ids: [kbID], connection: db)
            }
            #expect(try Self.storedEvents(database).isEmpty, "nothing is tried when an id is wrong")
            #expect(try redrive.run(ids: [ids[0]], connection: db).map(\.outcome) == [.applied])
            #expect(try redrive.run(ids: [ids[0]], connection: db).map(\.outcome) == [.skipped("re-driven already")])
            #expect(try redrive.run(connection: db).isEmpty)
        }
    }

    @Test func tablesOfAnotherVersionAreRefusedBeforeAnythingIsApplied() async throws {
        let good: [UInt8] = try Self.event("good", sequence: 1).serializedBytes()
        try await onOwnThread {
            let (database, _) = try Self.database("redrive_version", letters: [Self.letter(good, offset: 0)])
            defer { try? database.drop() }
            let db = try database.connect()
            try db.execute("UPDATE annals.projections SET version = 99 WHERE name = 'story'")

            #expect(throws: ProjectionError.versionMismatch(projection: "story", tables: 99, code: 1)) {
                try DeadLetterRedrive(projection: StoryProjection()).run(connection: db)
            }
            #expect(try Self.storedEvents(database).isEmpty)
        }
    }

    /// A worker's batch holds the redrive lock shared from its first statement: a letter waits for the batch in
    /// flight to commit, so a world's counters, read by both, are never written back stale.
    @Test func aLetterWaitsForTheWorkersBatchInFlightAndSeesWhatItWrote() async throws {
        let late: [UInt8] = try Self.event("late", sequence: 2).serializedBytes()
        let (database, _) = try await onOwnThread {
            try Self.database("redrive_lock", letters: [Self.letter(late, offset: 1)])
        }
        defer { try? database.drop() }
        let batch = try await onOwnThread { SteppedConnection(try database.connect()) }
        let batchPID = batch.connection.backendPID
        try await onOwnThread {
            try batch.connection.execute("BEGIN")
            try RedriveLock.holdForBatch("story", in: batch.connection)
            try StoryProjection().apply(
                [ProjectedEvent(event: .storyEvent(Self.event("in-flight", sequence: 1)),
                                coordinates: EventCoordinates(topic: Self.topic, partition: 0, offset: 0))],
                schema: "story", connection: batch.connection)
        }
        let redrive = Task { () -> [DeadLetterRedrive.Outcome] in
            try await onOwnThread {
                try DeadLetterRedrive(projection: StoryProjection()).run(connection: try database.connect()).map(\.outcome)
            }
        }
        let observer = try await onOwnThread { SteppedConnection(try database.connect()) }
        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(50),
                            description: "the redrive to wait for the batch's advisory lock") {
            try await onOwnThread {
                try observer.connection.execute(
                    """
                    SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                    AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> $1)
                    """, [.int(batchPID)]).rows.count == 1
            }
        }
        #expect(try await onOwnThread { try Self.storedEvents(database) }.isEmpty, "nothing re-driven while the batch is open")
        _ = try await onOwnThread { try batch.connection.execute("COMMIT") }

        #expect(try await redrive.value == [.applied])
        let world: PostgresRow = try #require(try await onOwnThread {
            try database.connect().execute("SELECT event_count, last_sequence, gap_count FROM story.worlds").rows.first
        })
        #expect(try world.int("event_count") == 2, "the redrive counted on top of the batch, not over it")
        #expect(try world.int("last_sequence") == 2 && world.int("gap_count") == 0)
    }

    @Test func theLockKeyIsAFixedHashOfTheProjectionsName() {
        #expect(RedriveLock.key("story") == RedriveLock.key("story"))
        #expect(RedriveLock.key("story") != RedriveLock.key("kb"))
        #expect(RedriveLock.key("") == Int32(bitPattern: 2_166_136_261), "FNV-1a's offset basis")
    }
}

/// A connection handed from one step of a test to the next.
/// @unchecked Sendable: the steps run one after another (each is awaited before the next starts), never at once.
final class SteppedConnection: @unchecked Sendable {
    let connection: PostgresConnection

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }
}

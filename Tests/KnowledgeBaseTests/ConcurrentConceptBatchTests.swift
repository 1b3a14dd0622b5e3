import AnnalsEvents
import Foundation
import KnowledgeBase
import Postgres
import Projection
import TestSupport
import Testing

/// Two workers' batches touching one concept or relationship at once, against a real PostgreSQL: a document's
/// (`document-ingested`, keyed by document) and a story event's (`story-event`, keyed by world) land on different
/// partitions, so different workers apply them concurrently.
@Suite struct ConcurrentConceptBatchTests {
    /// What the story event changes of what the document declares.
    enum Touch: String, Sendable, CaseIterable {
        case concept, relationship
    }

    /// Declares vell, with an attribute, and vell's membership, in ashfall; later in event time than the story event.
    static let document = ConceptProjectionTests.document(
        "ashfall-notes", version: 1, world: "ashfall", concepts: [("vell", "A lamplighter.", ["status": "alive"])],
        relationships: [("vell", "lamplighters", "member-of")], at: 20)

    static func story(_ touch: Touch) -> StoryEvent {
        switch touch {
        case .concept:
            ConceptProjectionTests.story("ashfall", 1, at: 10, concept: ("vell", "", ["wound": "left arm"]))
        case .relationship:
            ConceptProjectionTests.story("ashfall", 1, at: 10, relationship: ("vell", "lamplighters", "member-of", .remove))
        }
    }

    /// The two events at the offsets `ConceptProjectionTests.build` gives them (their index).
    static func events(_ touch: Touch) -> [AnnalsEvent] {
        [.documentIngested(document), .storyEvent(story(touch))]
    }

    static func projected(_ index: Int, of events: [AnnalsEvent], projection: KnowledgeBaseProjection) -> [ProjectedEvent] {
        var event = ProjectedEvent(event: events[index], coordinates: EventCoordinates(
            topic: events[index].topic.rawValue, partition: 0, offset: Int64(index)))
        event.prepared = projection.prepare(event)
        return [event]
    }

    static func projection() throws -> KnowledgeBaseProjection {
        try KnowledgeBaseProjection(settings: .init(dimension: 32))
    }

    /// The document's batch is open (it has written vell's rows) when the story event's batch starts on another
    /// connection. The story batch must not fold vell from changes that miss the document's: it waits, and once
    /// the document's batch commits it folds both, so the tables are those of the two batches applied one after
    /// the other, and vell's row is the pure fold of both changes.
    @Test(arguments: Touch.allCases)
    func aBatchWaitsForAnotherTouchingTheSameConceptAndFoldsItsChangesToo(_ touch: Touch) async throws {
        let events = Self.events(touch)
        let database = try await onOwnThread {
            let database = try TestDatabase.create(prefix: "kb_concurrent_\(touch.rawValue)")
            try ProjectionMigrator.migrate(try Self.projection(), connection: try database.connect())
            return database
        }
        defer { try? database.drop() }

        let documentBatch = try await onOwnThread { BatchConnection(try database.connect()) }
        let storyBatch = try await onOwnThread { BatchConnection(try database.connect()) }
        let storyPID = storyBatch.connection.backendPID
        try await onOwnThread {
            let projection = try Self.projection()
            try documentBatch.connection.execute("BEGIN")
            try projection.apply(Self.projected(0, of: events, projection: projection), schema: projection.schema,
                                 connection: documentBatch.connection)
        }
        let story = Task {
            try await onOwnThread {
                let projection = try Self.projection()
                try storyBatch.connection.transaction {
                    try projection.apply(Self.projected(1, of: events, projection: projection), schema: projection.schema,
                                         connection: $0)
                }
            }
        }
        let observer = try await onOwnThread { BatchConnection(try database.connect()) }
        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(20),
                            description: "the story event's batch to wait for a lock the document's batch holds") {
            try await onOwnThread {
                try observer.connection.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [.int(storyPID)]
                ).rows.count == 1
            }
        }
        try await onOwnThread { _ = try documentBatch.connection.execute("COMMIT") }
        try await story.value

        let (concurrent, serial) = try await onOwnThread { () -> ([String], [String]) in
            let concurrent = try TableChecksum.checksums(of: try Self.projection(), connection: observer.connection).map(\.checksum)
            let (serial, serialDatabase) = try ConceptProjectionTests.build([[0], [1]], of: events, prefix: "kb_serial_\(touch.rawValue)")
            try? serialDatabase.drop()
            return (concurrent, serial)
        }
        #expect(concurrent == serial, "the tables are those of the two batches applied one after the other")

        let changes = try #require(Self.changes(of: events))
        switch touch {
        case .concept:
            let expected = ConceptState.folding(changes.concepts.filter { $0.worldID == "ashfall" && $0.conceptID == "vell" })
            let row = try #require(try await onOwnThread {
                try observer.connection.execute(
                    """
                    SELECT name, kind, description, attributes::text AS attributes, change_count, last_event_id
                    FROM kb.concepts WHERE world_id = 'ashfall' AND concept_id = 'vell'
                    """).rows.first
            })
            #expect(try row.string("name") == expected.name && row.string("kind") == expected.kind)
            #expect(try row.string("description") == expected.description)
            #expect(try JSONDecoder().decode([String: String].self, from: Data(row.string("attributes").utf8)) == expected.attributes)
            #expect(try row.int("change_count") == expected.changeCount && expected.changeCount == 2)
            #expect(try row.string("last_event_id") == expected.lastCause?.eventID)
        case .relationship:
            let latest = try #require(changes.relationships.max { $0.cause < $1.cause })
            let row = try #require(try await onOwnThread {
                try observer.connection.execute(
                    """
                    SELECT present, event_id FROM kb.relationships
                    WHERE world_id = 'ashfall' AND from_concept_id = 'vell' AND to_concept_id = 'lamplighters' AND kind = 'member-of'
                    """).rows.first
            })
            #expect(try row.bool("present") == latest.present && latest.present, "the later declaration wins over the earlier removal")
            #expect(try row.string("event_id") == latest.cause.eventID)
        }
    }

    /// Every change the two events carry, as the projection derives them.
    static func changes(of events: [AnnalsEvent]) -> NarrativeChanges? {
        guard case .documentIngested(let document) = events[0], case .storyEvent(let story) = events[1] else { return nil }
        var changes = NarrativeChanges.declared(
            by: document, at: EventCoordinates(topic: events[0].topic.rawValue, partition: 0, offset: 0), replacing: [])
        changes.append(.updates(in: story, at: EventCoordinates(topic: events[1].topic.rawValue, partition: 0, offset: 1)))
        return changes
    }
}

/// A connection handed from one step of a test to the next.
/// @unchecked Sendable: the steps using it run one after another (each is awaited before the next starts), never at once.
private final class BatchConnection: @unchecked Sendable {
    let connection: PostgresConnection

    init(_ connection: PostgresConnection) {
        self.connection = connection
    }
}

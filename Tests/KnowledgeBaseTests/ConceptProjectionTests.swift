import AnnalsEvents
import KnowledgeBase
import Postgres
import Projection
import TestSupport
import Testing

/// Concepts, their versions and relationships, from documents and story events, against a real PostgreSQL.
@Suite struct ConceptProjectionTests {
    static let epoch: Int64 = 1_767_225_600

    static func document(_ id: String, version: UInt64, world: String = "", concepts: [(String, String, [String: String])],
                         relationships: [(String, String, String)], at second: Int64) -> DocumentIngested {
        var event = KnowledgeBaseProjectionTests.document(id, version: version, world: world, eventID: "\(id)-v\(version)")
        event.meta.occurredAt = EventTimestamp(seconds: epoch + second)
        event.declare(concepts: concepts, relationships: relationships)
        return event
    }

    static func story(_ world: String, _ sequence: UInt64, at second: Int64, concept: (String, String, [String: String])? = nil,
                      relationship: (String, String, String, RelationshipUpdate.Change)? = nil) -> StoryEvent {
        .happening(world, sequence, at: EventTimestamp(seconds: epoch + second), concept: concept, relationship: relationship)
    }

    /// The lore used by most tests: a global document, a world document, and story events in that world.
    static var events: [AnnalsEvent] {
        [
            .documentIngested(document("lore", version: 1, concepts: [
                ("vell", "A lamplighter of the Ember Library.", ["status": "alive", "allegiance": "lamplighters"]),
                ("kaela", "A scholar.", [:]),
            ], relationships: [("vell", "lamplighters", "member-of"), ("kaela", "vell", "mentor-of")], at: 0)),
            .documentIngested(document("ashfall-notes", version: 1, world: "ashfall", concepts: [
                ("brann", "A smith in Ashfall.", [:]),
            ], relationships: [("brann", "vell", "friend-of")], at: 5)),
            .storyEvent(story("ashfall", 1, at: 10, concept: ("vell", "", ["status": "wounded"]))),
            .storyEvent(story("ashfall", 2, at: 20, concept: ("vell", "Vell fell defending the library.", ["status": "dead", "allegiance": ""]),
                              relationship: ("vell", "lamplighters", "member-of", .remove))),
            .storyEvent(story("verdance", 1, at: 15, relationship: ("kaela", "brann", "rival-of", .upsert))),
        ]
    }

    /// Builds the tables from `batches` of indices into `events`; an event's offset is its index, as in a log.
    static func build(_ batches: [[Int]], of events: [AnnalsEvent] = events, prefix: String) throws -> (checksums: [String], database: TestDatabase) {
        let database = try TestDatabase.create(prefix: prefix)
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 32))
        try ProjectionMigrator.migrate(projection, connection: db)
        for batch in batches {
            let projected = batch.map { index in
                var event = ProjectedEvent(event: events[index], coordinates: EventCoordinates(
                    topic: events[index].topic.rawValue, partition: 0, offset: Int64(index)))
                event.prepared = projection.prepare(event)
                return event
            }
            try db.transaction { try projection.apply(projected, schema: projection.schema, connection: $0) }
        }
        return (try TableChecksum.checksums(of: projection, connection: db).map(\.checksum), database)
    }

    static let all = [Array(events.indices)]

    @Test func aWorldSeesItsOwnChangesOverTheGlobalDeclarationsWithEveryVersionKept() throws {
        let (_, database) = try Self.build(Self.all, prefix: "kb_concepts")
        defer { try? database.drop() }
        let db = try database.connect()
        let queries = ConceptQueries()

        let ashfall = try #require(try queries.history(of: "vell", world: "ashfall", connection: db))
        #expect(ashfall.changes.map(\.cause.eventID) == ["lore-v1", "ashfall-1", "ashfall-2"])
        #expect(ashfall.current.description == "Vell fell defending the library.")
        #expect(ashfall.current.attributes == ["status": "dead"], "an empty attribute value removes it")
        #expect(ashfall.current.name == "Vell", "fields a story update leaves empty keep the declared value")

        let verdance = try #require(try queries.history(of: "vell", world: "verdance", connection: db))
        #expect(verdance.current.attributes == ["status": "alive", "allegiance": "lamplighters"], "another world is untouched")
        #expect(try queries.history(of: "nobody", world: "ashfall", connection: db) == nil)
    }

    @Test func relationshipsAreWalkedToADepthWithAWorldsRemovalHidingTheGlobalEdge() throws {
        let (_, database) = try Self.build(Self.all, prefix: "kb_related")
        defer { try? database.drop() }
        let db = try database.connect()
        let queries = ConceptQueries()

        let verdance = try queries.related(to: "vell", world: "verdance", depth: 2, connection: db)
        #expect(verdance.map(\.conceptID) == ["kaela", "lamplighters", "brann"])
        #expect(verdance.map(\.depth) == [1, 1, 2])
        #expect(verdance.last?.via.worldID == "verdance")

        let ashfall = try queries.related(to: "vell", world: "ashfall", depth: 1, connection: db)
        #expect(Set(ashfall.map(\.conceptID)) == ["kaela", "brann"], "ashfall removed vell's membership")
        #expect(try queries.related(to: "vell", world: "ashfall", depth: 1, connection: db).count == 2)
    }

    @Test func arrivalOrderAndBatchBoundariesDoNotChangeTheTables() throws {
        let (inOrder, a) = try Self.build(Self.all, prefix: "kb_order_a")
        defer { try? a.drop() }
        // Story events ahead of the documents they change, one per batch, the latest change first.
        let (reversed, b) = try Self.build(Self.events.indices.reversed().map { [$0] }, prefix: "kb_order_b")
        defer { try? b.drop() }
        #expect(inOrder == reversed, "every table is the same whatever the arrival order")
    }

    @Test func theSameEventsTwiceChangeNothing() throws {
        let (once, a) = try Self.build(Self.all, prefix: "kb_twice_a")
        defer { try? a.drop() }
        let (twice, b) = try Self.build(Self.all + Self.all, prefix: "kb_twice_b")
        defer { try? b.drop() }
        #expect(once == twice)
    }

    @Test func aNewerDocumentVersionRetractsTheRelationshipsItNoLongerDeclaresAndAnOlderOneChangesNothing() throws {
        let v1 = Self.document("lore", version: 1, concepts: [("vell", "v1", [:])],
                               relationships: [("vell", "lamplighters", "member-of"), ("kaela", "vell", "mentor-of")], at: 0)
        let v2 = Self.document("lore", version: 2, concepts: [("vell", "v2", [:])],
                               relationships: [("kaela", "vell", "mentor-of")], at: 100)
        // Versions 1 and 2 in one batch record both declarations, as two batches would.
        let versions: [AnnalsEvent] = [.documentIngested(v1), .documentIngested(v2)]
        let (oneBatch, a) = try Self.build([[0, 1]], of: versions, prefix: "kb_retract_a")
        defer { try? a.drop() }
        let (twoBatches, b) = try Self.build([[0], [1], [0]], of: versions, prefix: "kb_retract_b")
        defer { try? b.drop() }
        #expect(oneBatch == twoBatches, "the late version 1 changes nothing")

        let db = try a.connect()
        let related = try ConceptQueries().related(to: "vell", world: "any", depth: 1, connection: db)
        #expect(related.map(\.conceptID) == ["kaela"], "membership declared only by version 1 is retracted")
        let history = try #require(try ConceptQueries().history(of: "vell", world: "any", connection: db))
        #expect(history.changes.map(\.description) == ["v1", "v2"])
    }
}

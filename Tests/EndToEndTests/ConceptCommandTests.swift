import AnnalsEvents
import Foundation
import KnowledgeBase
import Postgres
import Projection
import Testing
import TestSupport

/// `annals concept history|related` as an operator runs them, against concepts the projection wrote from documents
/// and story events (the lore of ConceptProjectionTests).
@Suite("Concept command", .timeLimit(.minutes(2)))
struct ConceptCommandTests {
    /// 2026-01-01T00:00:00Z.
    static let epoch: Int64 = 1_767_225_600

    static func document(_ id: String, world: String, at second: Int64, concepts: [(String, String, [String: String])],
                         relationships: [(String, String, String)]) -> DocumentIngested {
        var event = DocumentIngested()
        event.meta.eventID = "\(id)-v1"
        event.meta.occurredAt = EventTimestamp(seconds: epoch + second)
        event.documentID = id
        event.version = 1
        event.worldID = world
        event.title = id.capitalized
        event.source = "tests"
        event.content = "Notes about \(id)."
        event.declare(concepts: concepts, relationships: relationships)
        return event
    }

    static func story(_ world: String, _ sequence: UInt64, at second: Int64, concept: (String, String, [String: String])? = nil,
                      relationship: (String, String, String, RelationshipUpdate.Change)? = nil) -> StoryEvent {
        .happening(world, sequence, at: EventTimestamp(seconds: epoch + second), concept: concept, relationship: relationship)
    }

    /// Global lore (vell, kaela), an ashfall document (brann), ashfall's story wounding then killing vell and ending
    /// its membership of the lamplighters, and verdance's story making kaela brann's rival.
    static let events: [AnnalsEvent] = [
        .documentIngested(document("lore", world: "", at: 0, concepts: [
            ("vell", "A lamplighter of the Ember Library.", ["status": "alive", "allegiance": "lamplighters"]),
            ("kaela", "A scholar.", [:]),
        ], relationships: [("vell", "lamplighters", "member-of"), ("kaela", "vell", "mentor-of")])),
        .documentIngested(document("ashfall-notes", world: "ashfall", at: 5, concepts: [
            ("brann", "A smith in Ashfall.", [:]),
        ], relationships: [("brann", "vell", "friend-of")])),
        .storyEvent(story("ashfall", 1, at: 10, concept: ("vell", "", ["status": "wounded"]))),
        .storyEvent(story("ashfall", 2, at: 20, concept: ("vell", "Vell fell defending the library.", ["status": "dead", "allegiance": ""]),
                          relationship: ("vell", "lamplighters", "member-of", .remove))),
        .storyEvent(story("verdance", 1, at: 15, relationship: ("kaela", "brann", "rival-of", .upsert))),
    ]

    static func knowledgeBase() async throws -> TestDatabase {
        try await onOwnThread {
            let database = try TestDatabase.create(prefix: "concept_cli")
            let db = try database.connect()
            let projection = try KnowledgeBaseProjection(settings: .init(dimension: 32))
            try ProjectionMigrator.migrate(projection, connection: db)
            let projected = events.enumerated().map { index, event in
                ProjectedEvent(event: event, coordinates: EventCoordinates(topic: event.topic.rawValue, partition: 0,
                                                                           offset: Int64(index)))
            }
            try db.transaction { try projection.apply(projected, schema: projection.schema, connection: $0) }
            return database
        }
    }

    static func concept(_ database: TestDatabase, _ arguments: [String]) async throws -> CommandLineTests.Run {
        try await CommandLineTests.annals(["concept"] + arguments + ["--database-url", database.url])
    }

    @Test func historyListsAWorldsChangesOldestFirstWithWhatEachChangedAndTheCurrentState() async throws {
        let database = try await Self.knowledgeBase()
        defer { try? database.drop() }
        let run = try await Self.concept(database, ["history", "vell", "--world", "ashfall"])
        #expect(run.status == .exited(0), "\(run)")
        #expect(run.stdout == """
            vell as world ashfall sees it:
              Vell (character)
              Vell fell defending the library.
              status: dead

            3 changes, oldest first:
              1. 2026-01-01T00:00:00Z  global  document lore v1
                   name: Vell
                   kind: character
                   description: A lamplighter of the Ember Library.
                   allegiance: lamplighters
                   status: alive
              2. 2026-01-01T00:00:10Z  ashfall  story event #1
                   status: alive → wounded
              3. 2026-01-01T00:00:20Z  ashfall  story event #2
                   description: Vell fell defending the library.
                   allegiance: lamplighters → (removed)
                   status: wounded → dead

            """, "\(run)")
    }

    @Test func theGlobalViewHasOnlyTheGlobalDeclarations() async throws {
        let database = try await Self.knowledgeBase()
        defer { try? database.drop() }
        let run = try await Self.concept(database, ["history", "vell", "--global"])
        #expect(run.status == .exited(0), "\(run)")
        #expect(run.stdout.hasPrefix("vell as the global view sees it:\n"), "\(run)")
        #expect(run.stdout.contains("  A lamplighter of the Ember Library.\n  allegiance: lamplighters\n  status: alive\n"), "\(run)")
        #expect(run.stdout.contains("\n1 change, oldest first:\n  1. 2026-01-01T00:00:00Z  global  document lore v1\n"), "\(run)")
        #expect(!run.stdout.contains("ashfall") && !run.stdout.contains("dead"), "\(run)")
    }

    @Test func historyJSONHasTheCurrentStateAndEachChangesOwnFields() async throws {
        let database = try await Self.knowledgeBase()
        defer { try? database.drop() }
        let run = try await Self.concept(database, ["history", "vell", "--world", "ashfall", "--json"])
        #expect(run.status == .exited(0), "\(run)")
        let report = try JSONDecoder().decode(ConceptHistoryReport.self, from: Data(run.stdout.utf8))
        #expect(report.conceptID == "vell" && report.world == "ashfall")
        #expect(report.name == "Vell" && report.kind == "character")
        #expect(report.description == "Vell fell defending the library.")
        #expect(report.attributes == ["status": "dead"])
        #expect(report.changes.map(\.eventID) == ["lore-v1", "ashfall-1", "ashfall-2"])
        #expect(report.changes.map(\.world) == [nil, "ashfall", "ashfall"])
        #expect(report.changes.map(\.source) == ["document lore v1", "story event #1", "story event #2"])
        #expect(report.changes.map(\.occurredAt) == ["2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z", "2026-01-01T00:00:20Z"])
        #expect(report.changes.map(\.name) == ["Vell", nil, nil], "a change carries only the fields it set")
        #expect(report.changes[1].attributes == ["status": "wounded"])
        #expect(report.changes[2].attributes == ["status": "dead", "allegiance": ""])

        let global = try await Self.concept(database, ["history", "vell", "--global", "--json"])
        #expect(global.status == .exited(0), "\(global)")
        let globalReport = try JSONDecoder().decode(ConceptHistoryReport.self, from: Data(global.stdout.utf8))
        #expect(globalReport.world == nil)
        #expect(globalReport.attributes == ["status": "alive", "allegiance": "lamplighters"])
        #expect(globalReport.changes.map(\.eventID) == ["lore-v1"])
    }

    @Test func relatedFollowsRelationshipsToTheDepthAndNoFurther() async throws {
        let database = try await Self.knowledgeBase()
        defer { try? database.drop() }
        let one = try await Self.concept(database, ["related", "vell", "--world", "verdance"])
        #expect(one.status == .exited(0), "\(one)")
        #expect(one.stdout == """
            Vell [vell, character] in world verdance, to depth 1:
              1  Kaela [kaela, character]
                   via kaela -mentor-of-> vell  weight 1.0  (global)
              1  lamplighters
                   via vell -member-of-> lamplighters  weight 1.0  (global)

            """, "\(one)")

        // brann is kaela's rival in verdance, two hops from vell; declared in ashfall only, so verdance has no name for it.
        let two = try await Self.concept(database, ["related", "vell", "--world", "verdance", "--depth", "2"])
        #expect(two.status == .exited(0), "\(two)")
        #expect(two.stdout.hasPrefix("Vell [vell, character] in world verdance, to depth 2:\n"), "\(two)")
        #expect(two.stdout.hasSuffix("""
              2  brann
                   via kaela -rival-of-> brann  weight 1.0  (verdance)

            """), "\(two)")

        let json = try await Self.concept(database, ["related", "vell", "--world", "verdance", "--depth", "2", "--json"])
        #expect(json.status == .exited(0), "\(json)")
        let related = try JSONDecoder().decode([RelatedConceptReport].self, from: Data(json.stdout.utf8))
        #expect(related.map(\.conceptID) == ["kaela", "lamplighters", "brann"])
        #expect(related.map(\.depth) == [1, 1, 2])
        #expect(related.map(\.via.worldID) == [nil, nil, "verdance"])
        #expect(related.first?.name == "Kaela" && related.first?.kind == "character")
    }

    @Test func aWorldSeesItsOwnRelationshipsOverTheGlobalOnes() async throws {
        let database = try await Self.knowledgeBase()
        defer { try? database.drop() }
        // ashfall adds brann's friendship and removes vell's membership; neither holds globally.
        let ashfall = try await Self.concept(database, ["related", "vell", "--world", "ashfall", "--depth", "2", "--json"])
        #expect(ashfall.status == .exited(0), "\(ashfall)")
        let inAshfall = try JSONDecoder().decode([RelatedConceptReport].self, from: Data(ashfall.stdout.utf8))
        #expect(inAshfall.map(\.conceptID) == ["brann", "kaela"])
        #expect(inAshfall.map(\.via.worldID) == ["ashfall", nil])
        #expect(inAshfall.first?.name == "Brann")

        let global = try await Self.concept(database, ["related", "vell", "--global", "--depth", "2"])
        #expect(global.status == .exited(0), "\(global)")
        #expect(global.stdout.hasPrefix("Vell [vell, character] in the global view, to depth 2:\n"), "\(global)")
        #expect(global.stdout.contains("  1  Kaela [kaela, character]\n") && global.stdout.contains("  1  lamplighters\n"), "\(global)")
        #expect(!global.stdout.contains("brann") && !global.stdout.contains("  2  "), "\(global)")
    }

    @Test(arguments: [
        (["history", "nobody", "--world", "ashfall"], "no concept nobody in world ashfall"),
        (["history", "nobody", "--global"], "no concept nobody in the global view"),
        (["history", "vell", "--world", "ashfall", "--global"], "pass either --world or --global, not both"),
        (["related", "vell", "--world", "ashfall", "--global"], "pass either --world or --global, not both"),
        (["history", "vell"], "pass --world <id> (or --global for the global view)"),
        (["related", "vell", "--world", "ashfall", "--depth", "6"], "--depth must be from 1 to 5, got 6"),
    ])
    func mistakesAreExplained(arguments: [String], message: String) async throws {
        let database = try await Self.knowledgeBase()
        defer { try? database.drop() }
        let run = try await Self.concept(database, arguments)
        #expect(run.status != .exited(0), "\(run)")
        #expect(run.stderr.contains(message), "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")
    }

    /// As `history` does, and as annals-api's /v1/concepts/{id}/related does (404).
    @Test func relatedForAnUnknownConceptExitsNonZeroNamingIt() async throws {
        let database = try await Self.knowledgeBase()
        defer { try? database.drop() }
        let run = try await Self.concept(database, ["related", "nobody", "--world", "ashfall"])
        #expect(run.status != .exited(0), "\(run)")
        #expect(run.stderr.contains("nobody"), "\(run)")
    }
}

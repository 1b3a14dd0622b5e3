import AnnalsEvents
import Foundation
import KnowledgeBase
import Postgres
import Projection
import Testing
import TestSupport

/// `annals search` as an operator runs it, against a knowledge base written by the projection.
@Suite("Search command", .timeLimit(.minutes(2)))
struct SearchCommandTests {
    static func document(_ id: String, world: String, title: String, content: String) -> DocumentIngested {
        var event = DocumentIngested()
        event.meta.eventID = "\(id)-v1"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600)
        event.documentID = id
        event.version = 1
        event.worldID = world
        event.title = title
        event.source = "tests"
        event.content = content
        return event
    }

    /// Three documents, one per scope, in a knowledge base of 64 dimensions embedded by the hashing embedder (not the
    /// default 384: the command must read the dimension from the table).
    static func knowledgeBase() throws -> TestDatabase {
        let database = try TestDatabase.create(prefix: "search_cli")
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 64))
        try ProjectionMigrator.migrate(projection, connection: db)
        let events = [
            document("ember-library", world: "emberfall", title: "The Ember Library",
                     content: "# Wardens\n\nThe Lamplighters guard the Ember Library on the Ashen Coast."),
            document("salt-library", world: "saltmarsh", title: "The Drowned Library",
                     content: "The Tidewardens guard the Drowned Library of Saltmarsh."),
            document("almanac", world: "", title: "Almanac of Tides", content: "Every library keeps a guard at its door."),
        ].enumerated().map { index, event in
            ProjectedEvent(event: .documentIngested(event),
                           coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: Int64(index)))
        }
        try db.transaction { try projection.apply(events, schema: projection.schema, connection: $0) }
        return database
    }

    @Test func searchPrintsTheWorldsAndGlobalHitsWithTheirRanks() async throws {
        let database = try Self.knowledgeBase()
        defer { try? database.drop() }
        let run = try await CommandLineTests.annals(
            ["search", "--embedder", "hashing", "--database-url", database.url, "--world", "emberfall", "who guards the library?", "-k", "5"])
        #expect(run.status == .exited(0), "\(run)")
        #expect(run.stdout.contains("The Ember Library  (ember-library #0, v1)  world emberfall"), "\(run)")
        #expect(run.stdout.contains("Almanac of Tides  (almanac #0, v1)  global"), "\(run)")
        #expect(run.stdout.contains("Wardens"), "the heading path is shown")
        #expect(run.stdout.contains("vector #") && run.stdout.contains("text #"), "\(run)")
        #expect(!run.stdout.contains("salt-library"), "\(run)")
    }

    @Test func jsonIsAnArrayOfHits() async throws {
        let database = try Self.knowledgeBase()
        defer { try? database.drop() }
        let world = try await CommandLineTests.annals(
            ["search", "--embedder", "hashing", "--database-url", database.url, "--world", "saltmarsh", "--json", "guards", "library"])
        #expect(world.status == .exited(0), "\(world)")
        let hits = try JSONDecoder().decode([SearchHit].self, from: Data(world.stdout.utf8))
        #expect(Set(hits.map(\.documentID)) == ["salt-library", "almanac"])

        let global = try await CommandLineTests.annals(
            ["search", "--embedder", "hashing", "--database-url", database.url, "--global", "--json", "library"])
        #expect(global.status == .exited(0), "\(global)")
        #expect(try JSONDecoder().decode([SearchHit].self, from: Data(global.stdout.utf8)).map(\.documentID) == ["almanac"])
    }

    @Test(arguments: [
        (["library"], "--world <id>, or --global"),
        (["--world", "emberfall", "--global", "library"], "exclude each other"),
        (["--world", "", "library"], "--world is empty"),
        (["--world", "emberfall", "-k", "101", "library"], "1 to 100"),
        (["--world", "emberfall", String(repeating: "x", count: 1_001)], "at most 1000"),
        (["--world", "emberfall", "--schema", "nowhere", "library"], "annals migrate"),
    ])
    func mistakesAreExplained(arguments: [String], message: String) async throws {
        let database = try Self.knowledgeBase()
        defer { try? database.drop() }
        let run = try await CommandLineTests.annals(["search", "--embedder", "hashing", "--database-url", database.url] + arguments)
        #expect(run.status != .exited(0), "\(run)")
        #expect(run.stderr.contains(message), "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")
    }
}

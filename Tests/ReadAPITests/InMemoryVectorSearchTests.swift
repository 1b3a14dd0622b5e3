import AnnalsEvents
import Foundation
import KnowledgeBase
import ReadAPI
import TestSupport
import Testing

/// `annals-api` with the chunks' vectors in memory (the default) against the same server searching them in
/// PostgreSQL: the same hits, computed in memory once the copy is loaded, and a new document found by its vector at
/// the next search.
@Suite struct InMemoryVectorSearchTests {
    struct Search: Decodable { var hits: [SearchHit] }

    static let paths = [
        "/v1/search?world=tidemark&q=who+rules+the+drowned+city+now&k=10",
        "/v1/search?world=cindermoor&q=glassblower+furnace+quarantine&k=5",
        "/v1/search?world=gloamwood&q=a+choir+that+never+sings&k=10",
        "/v1/search?q=the+key+that+winds+the+city&k=20",
        "/v1/search?world=nowhere&q=clockwork+tithe&k=10",
    ]

    static func settings(_ vectors: VectorSearch) -> ReadAPISettings {
        var settings = ReadAPISettings()
        settings.vectorSearch = vectors
        settings.cacheEntries = 0
        settings.rateLimit = nil
        return settings
    }

    /// GETs `path` until its vector half runs in memory (the copy loads in the background after the first search).
    static func searchInMemory(_ api: APIServerHarness, _ path: String) async throws -> [SearchHit] {
        var answer: LocalHTTP.Response?
        try await waitUntil(timeout: .seconds(120), pollInterval: .milliseconds(250),
                            description: "a search computed with the vectors in memory") {
            answer = try await api.get(path)
            return answer?.headers["x-annals-vectors"] == "memory"
        }
        let response = try #require(answer)
        #expect(response.status == 200, "\(response.body)")
        return try JSONDecoder().decode(Search.self, from: Data(response.body.utf8)).hits
    }

    @Test func searchesInMemoryFindWhatTheDatabaseFinds() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_memory")
        defer { fixture.drop() }
        let memory = try await APIServerHarness(conninfo: fixture.database.url, settings: Self.settings(.memory))
        let database = try await APIServerHarness(conninfo: fixture.database.url, settings: Self.settings(.database))
        for path in Self.paths {
            let inMemory = try await Self.searchInMemory(memory, path)
            let response = try await database.get(path)
            #expect(response.headers["x-annals-vectors"] == "database")
            let inDatabase = try JSONDecoder().decode(Search.self, from: Data(response.body.utf8)).hits
            #expect(inMemory.map { "\($0.documentID)#\($0.ordinal)" } == inDatabase.map { "\($0.documentID)#\($0.ordinal)" }, "\(path)")
            #expect(inMemory.map(\.vectorRank) == inDatabase.map(\.vectorRank), "\(path)")
            #expect(inMemory.map(\.textRank) == inDatabase.map(\.textRank), "\(path)")
            for (a, b) in zip(inMemory, inDatabase) {
                #expect(abs((a.cosineSimilarity ?? 0) - (b.cosineSimilarity ?? 0)) < 1e-5, "\(path): \(a.documentID)")
            }
            #expect(inMemory.contains { $0.vectorRank != nil }, "\(path): the vector half found something")
        }
        await memory.stop()
        await database.stop()
    }

    @Test func aNewDocumentIsFoundByItsVectorAtTheNextSearch() async throws {
        let fixture = try await ReadSideFixture.make(prefix: "api_memory_new")
        defer { fixture.drop() }
        let api = try await APIServerHarness(conninfo: fixture.database.url, settings: Self.settings(.memory))
        let path = "/v1/search?world=cindermoor&q=zephyrine+marmalade+observatory&k=10"
        #expect(try await Self.searchInMemory(api, path).allSatisfy { $0.documentID != "observatory-notice" })

        try await fixture.ingest([ReadSideFixture.document("observatory-notice", world: "cindermoor",
                                                           content: "Zephyrine marmalade is served at the observatory.")])

        let response = try await api.get(path)
        #expect(response.headers["x-annals-vectors"] == "memory", "the copy is brought up to date, not dropped")
        let hits = try JSONDecoder().decode(Search.self, from: Data(response.body.utf8)).hits
        let found = try #require(hits.first { $0.documentID == "observatory-notice" }, "\(hits.map(\.documentID))")
        #expect(found.vectorRank == 1, "found by its vector in the copy, not by full text alone")

        // A blue/green swap puts other tables under the names (here: the document gone): the copy of the old table
        // is not used again; searches go to the database until the new one is loaded.
        try await onOwnThread {
            try fixture.database.connect().executeScript("""
                CREATE TABLE kb.chunks_green (LIKE kb.chunks INCLUDING ALL);
                INSERT INTO kb.chunks_green (document_id, version, ordinal, world_id, text, heading_path, token_count, embedding)
                SELECT document_id, version, ordinal, world_id, text, heading_path, token_count, embedding FROM kb.chunks
                WHERE document_id <> 'observatory-notice';
                DELETE FROM kb.documents WHERE document_id = 'observatory-notice';
                ALTER TABLE kb.chunks RENAME TO chunks_blue;
                ALTER TABLE kb.chunks_green RENAME TO chunks;
                UPDATE annals.projections SET version = version + 1 WHERE name = 'kb';
                """)
        }
        let afterSwap = try await api.get(path)
        #expect(afterSwap.status == 200, "\(afterSwap.body)")
        #expect(try JSONDecoder().decode(Search.self, from: Data(afterSwap.body.utf8)).hits.allSatisfy { $0.documentID != "observatory-notice" })
        #expect(try await Self.searchInMemory(api, path).allSatisfy { $0.documentID != "observatory-notice" })
        await api.stop()
    }
}

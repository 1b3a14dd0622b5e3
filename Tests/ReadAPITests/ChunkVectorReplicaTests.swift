import AnnalsEvents
import KnowledgeBase
import Postgres
import TestSupport
import Testing
import VectorReplica

/// The in-memory copy of the chunks' vectors against the tables it copies: the same nearest chunks as PostgreSQL's
/// exact scan, following new document versions per data version, and dropped when a swap puts another table there.
@Suite struct ChunkVectorReplicaTests {
    static let queries = [
        "who rules the drowned city now", "clockwork key", "the choir sings in silence", "glassblower furnace",
        "a city built around a hub", "brother hale",
    ]

    /// The nearest 40 of every world (and the global view) by the copy and by the database's exact scan, side by side.
    static func expectSameAsExactScan(_ index: ChunkVectorIndex, embeddings: [[Float]], _ connection: PostgresConnection) throws {
        let search = KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: 384))
        let worlds = try connection.execute("SELECT DISTINCT world_id FROM kb.chunks").rows.map { $0.optionalString("world_id") }
        #expect(worlds.contains(nil) && worlds.count > 2, "the samples have global chunks and several worlds")
        for (query, embedding) in zip(queries, embeddings) {
            for world in worlds + ["no-such-world"] {
                let exact = try search.nearestChunks(to: embedding, worldID: world, limit: 40, scan: .exact, connection: connection)
                let copy = try index.nearest(to: embedding, worldID: world, limit: 40)
                #expect(copy.map(\.chunk) == exact.map(\.chunk), "\(query) in \(world ?? "the global view")")
                for (a, b) in zip(copy, exact) { #expect(abs(a.score - b.score) < 1e-5, "\(query): \(a.chunk)") }
            }
        }
    }

    /// Runs `body` on a thread of its own with the sample corpus, a connection to it, a replica and the queries'
    /// embeddings.
    static func withSamples(prefix: String,
                            _ body: @escaping @Sendable (ReadSideFixture, PostgresConnection, ChunkVectorReplica, [[Float]]) throws -> Void)
        async throws
    {
        let fixture = try await ReadSideFixture.make(prefix: prefix)
        defer { fixture.drop() }
        let embeddings = try await HashingEmbedder(dimension: 384).embed(queries)
        try await onOwnThread { try body(fixture, try fixture.database.connect(), ChunkVectorReplica(schema: "kb"), embeddings) }
    }

    @Test func aLoadedCopyFindsWhatTheDatabasesExactScanFinds() async throws {
        try await Self.withSamples(prefix: "replica_exact") { _, connection, replica, embeddings in
            var progress: [Int] = []
            let index = try replica.load(dimension: 384, connection: connection, dataVersion: { _ in "v1" },
                                         progress: { done, _ in progress.append(done) })
            let chunks = try connection.execute("SELECT count(*) AS n FROM kb.chunks").rows[0].int("n")
            #expect(index.chunkCount == chunks)
            #expect(progress.last == index.documentCount)
            try Self.expectSameAsExactScan(index, embeddings: embeddings, connection)
        }
    }

    @Test func theCopyFollowsTheTablesByDataVersionUntilAnotherTableTakesTheirPlace() async throws {
        try await Self.withSamples(prefix: "replica_follow") { fixture, connection, replica, embeddings in
            let loaded = try replica.load(dimension: 384, connection: connection, dataVersion: { _ in "v1" })

            // A sample document's next version, moved into another world, and a new one.
            let moved = try connection.execute("SELECT document_id, version FROM kb.documents WHERE world_id IS NULL ORDER BY document_id LIMIT 1").rows[0]
            let movedID = try moved.string("document_id")
            try fixture.apply([
                ReadSideFixture.document(movedID, version: UInt64(try moved.int64("version") + 1), world: "tidemark",
                                         content: "The clockwork key of the drowned city turns once a year."),
                ReadSideFixture.document("replica-new", world: "tidemark", content: "Glassblowers keep their furnace lit in the choir loft."),
            ], topic: "document-ingested", to: fixture.knowledgeBase, connection)

            // The same data version: the copy is taken as it is, without reading the tables.
            let same = try #require(try replica.upToDate(dataVersion: "v1", connection: connection))
            #expect(same.documentCount == loaded.documentCount)
            let unchanged = try same.nearest(to: embeddings[1], worldID: "tidemark", limit: 40)
            #expect(!unchanged.contains { $0.chunk.documentID == "replica-new" })

            // A new one: the changed documents are read again, and the copy matches the tables.
            let current = try #require(try replica.upToDate(dataVersion: "v2", connection: connection))
            #expect(current.documentCount == loaded.documentCount + 1)
            try Self.expectSameAsExactScan(current, embeddings: embeddings, connection)
            #expect(try current.nearest(to: embeddings[1], worldID: nil, limit: 1_000).allSatisfy { $0.chunk.documentID != movedID },
                    "the moved document left the global chunks")

            // A blue/green swap puts another table under the name: the copy is dropped, to be loaded again.
            try connection.executeScript("""
                ALTER TABLE kb.chunks RENAME TO chunks_blue;
                CREATE TABLE kb.chunks (LIKE kb.chunks_blue INCLUDING ALL);
                INSERT INTO kb.chunks (document_id, version, ordinal, world_id, text, heading_path, token_count, embedding)
                SELECT document_id, version, ordinal, world_id, text, heading_path, token_count, embedding FROM kb.chunks_blue;
                """)
            #expect(try replica.upToDate(dataVersion: "v3", connection: connection) == nil)
            #expect(replica.claimLoad())
        }
    }
}

import Postgres
import Projection

/// Hybrid search over the knowledge base: vector nearest neighbours (HNSW) and full text (GIN), each scoped to
/// one world plus the global documents, fused by reciprocal rank.
///
/// The database work is blocking libpq on the caller's connection: two index queries in one round trip inside
/// a short transaction. A server answering many searches should give each one a connection on a thread of its
/// own, using `embedding(for:)` and then `search(_:embedding:connection:)` there.
public struct KnowledgeBaseSearch: Sendable {
    /// How the vector candidates are found.
    public enum VectorScan: Sendable, Equatable {
        /// Through the HNSW index, approximate, as `SearchSettings` say.
        case index
        /// Every chunk in scope compared, the index off: the true nearest neighbours, for measuring recall.
        case exact
    }

    /// The schema holding `documents` and `chunks`.
    public let schema: String
    /// Embeds queries; its vectors must have the table's dimension.
    public let embedder: any Embedder
    public let settings: SearchSettings

    public init(schema: String = "kb", embedder: any Embedder, settings: SearchSettings = .init()) {
        self.schema = schema
        self.embedder = embedder
        self.settings = settings
    }

    /// The best `query.limit` chunks for the query, best first, in the query's scope.
    public func search(_ query: SearchQuery, connection: PostgresConnection) async throws -> [SearchHit] {
        try query.validate()
        let embedding = try await embedding(for: query.text)
        return try search(query, embedding: embedding, connection: connection)
    }

    /// The query text's embedding, checked to have `embedder.dimension` components.
    public func embedding(for text: String) async throws -> [Float] {
        let vectors = try await embedder.embed([text])
        guard vectors.count == 1, let vector = vectors.first, vector.count == embedder.dimension else {
            throw SearchError.embedderReturned(components: vectors.first?.count ?? 0, expected: embedder.dimension)
        }
        return vector
    }

    /// `search(_:connection:)` with the query already embedded; blocking.
    ///
    /// An all-zero embedding (a query of stop words only) has no direction: the vector method is skipped and
    /// full text alone decides.
    public func search(_ query: SearchQuery, embedding: [Float], connection: PostgresConnection) throws -> [SearchHit] {
        let statements = try candidateStatements(query, embedding: embedding)
        let results = try explainingFailures(embeddingDimension: embedding.count, connection: connection) {
            try connection.transaction {
                try $0.pipeline([SearchSQL.scanSettings(settings, exact: false)] + statements.map(\.statement), prepared: true)
            }
        }
        var candidates: [Method: [SearchCandidate]] = [:]
        for (method, result) in zip(statements.map(\.method), results.dropFirst()) {
            candidates[method] = try SearchSQL.candidates(result)
        }
        return Self.fuse(vector: candidates[.vector] ?? [], text: candidates[.fullText] ?? [], limit: query.limit,
                         rrfK: settings.rrfK)
    }

    /// The vector method alone: the `limit` chunks in scope nearest to `embedding`, nearest first; blocking.
    /// Scores are cosine distances.
    public func nearestChunks(to embedding: [Float], worldID: String?, limit: Int, scan: VectorScan = .index,
                              connection: PostgresConnection) throws -> [SearchCandidate] {
        try settings.validate()
        let sql = SearchSQL(schema: schema)
        let statements = [SearchSQL.scanSettings(settings, exact: scan == .exact),
                          sql.nearest(embedding: embedding, scope: .init(worldID: worldID), limit: limit)]
        let results = try explainingFailures(embeddingDimension: embedding.count, connection: connection) {
            try connection.transaction { try $0.pipeline(statements) }
        }
        return try SearchSQL.candidates(results[1])
    }

    /// The full-text method alone: the `limit` chunks in scope matching any of the text's words, best first;
    /// blocking. Scores are `ts_rank_cd`.
    public func matchingChunks(_ text: String, worldID: String?, limit: Int,
                               connection: PostgresConnection) throws -> [SearchCandidate] {
        try settings.validate()
        let sql = SearchSQL(schema: schema)
        let (statement, parameters) = sql.matching(text: text, scope: .init(worldID: worldID), limit: limit,
                                                   commonWordFrequency: settings.commonWordFrequency)
        let result = try explainingFailures(embeddingDimension: embedder.dimension, connection: connection) {
            try connection.execute(statement, parameters)
        }
        return try SearchSQL.candidates(result)
    }

    /// PostgreSQL's plans for the statements `search` runs, under this search's settings, by method. With
    /// `analyze`, the statements run and the plans carry row counts and timings. Blocking.
    public func queryPlans(_ query: SearchQuery, embedding: [Float], analyze: Bool = false,
                           connection: PostgresConnection) throws -> [(statement: String, plan: [String])] {
        let statements = try candidateStatements(query, embedding: embedding)
        let explain = analyze ? "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " : "EXPLAIN (COSTS OFF) "
        let results = try explainingFailures(embeddingDimension: embedding.count, connection: connection) {
            try connection.transaction {
                try $0.pipeline([SearchSQL.scanSettings(settings, exact: false)]
                    + statements.map { (sql: explain + $0.statement.sql, parameters: $0.statement.parameters) })
            }
        }
        return zip(statements, results.dropFirst()).map { entry, result in
            ("\(entry.method.rawValue) candidates", result.rows.compactMap { $0[0] })
        }
    }

    /// The two methods whose candidates are fused.
    private enum Method: String {
        case vector
        case fullText = "full-text"
    }

    /// The candidate queries of one search: vector (unless the embedding is all zeros), then full text.
    private func candidateStatements(_ query: SearchQuery, embedding: [Float]) throws
        -> [(method: Method, statement: (sql: String, parameters: [PostgresValue?]))]
    {
        try query.validate()
        try settings.validate()
        let sql = SearchSQL(schema: schema)
        let scope = SearchSQL.Scope(worldID: query.worldID)
        let candidates = max(settings.candidatesPerMethod, query.limit)
        var statements: [(method: Method, statement: (sql: String, parameters: [PostgresValue?]))] = []
        if embedding.contains(where: { $0 != 0 }) {
            statements.append((.vector, sql.nearest(embedding: embedding, scope: scope, limit: candidates)))
        }
        statements.append((.fullText, sql.matching(text: query.text, scope: scope, limit: candidates,
                                                   commonWordFrequency: settings.commonWordFrequency)))
        return statements
    }

    /// The dimension of `schema.chunks.embedding`, nil when there is no such table: the dimension to embed
    /// queries with so that they match what the worker stored.
    public static func embeddingDimension(schema: String = "kb", connection: PostgresConnection) throws -> Int? {
        try KnowledgeBaseSQL(schema: quoteIdentifier(schema)).embeddingDimension(connection: connection)
    }

    /// Throws `EmbedderError.modelMismatch` when the tables record another embedder than this search's: its query
    /// vectors would be compared with another model's, and the answers would be quietly wrong. Checked once, when a
    /// search is set up (`annals search`, `annals-api`), not per query.
    public func requireTablesEmbedder(connection: PostgresConnection) throws {
        try explainingFailures(embeddingDimension: embedder.dimension, connection: connection) {
            try KnowledgeBaseSQL(schema: quoteIdentifier(schema)).requireRecordedEmbedder(matching: embedder, connection: connection)
        }
    }

    /// Fuses the two candidate lists by reciprocal rank into the best `limit` hits; pure.
    /// Equal scores are ordered by document id, then ordinal.
    public static func fuse(vector: [SearchCandidate], text: [SearchCandidate], limit: Int, rrfK: Int) -> [SearchHit] {
        var found: [ChunkID: SearchCandidate] = [:]
        var distances: [ChunkID: Double] = [:]
        var textScores: [ChunkID: Double] = [:]
        for candidate in vector where distances[candidate.chunk] == nil {
            distances[candidate.chunk] = candidate.score
            found[candidate.chunk] = candidate
        }
        for candidate in text where textScores[candidate.chunk] == nil {
            textScores[candidate.chunk] = candidate.score
            found[candidate.chunk] = found[candidate.chunk] ?? candidate
        }
        let fused = ReciprocalRankFusion.fuse([vector.map(\.chunk), text.map(\.chunk)], rrfK: rrfK)
        return fused.prefix(limit).compactMap { entry in
            guard let chunk = found[entry.item] else { return nil }
            return SearchHit(
                documentID: chunk.chunk.documentID, version: chunk.version, ordinal: chunk.chunk.ordinal,
                title: chunk.title, worldID: chunk.worldID, headingPath: chunk.headingPath, text: chunk.text,
                score: entry.score, vectorRank: entry.ranks[0], cosineSimilarity: distances[entry.item].map { 1 - $0 },
                textRank: entry.ranks[1], textScore: textScores[entry.item])
        }
    }

    /// Turns the server's errors for a missing schema or a vector of the wrong size into ones that say what to do.
    private func explainingFailures<T>(embeddingDimension: Int, connection: PostgresConnection,
                                       _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.sqlState == "42P01" || error.sqlState == "3F000" {
            throw SearchError.missingTables(schema: schema)
        } catch let error as PostgresError where error.sqlState == "22000" {
            // pgvector reports "different vector dimensions" as a plain data exception: look at the table.
            if let table = try? Self.embeddingDimension(schema: schema, connection: connection), table != embeddingDimension {
                throw EmbedderError.dimensionMismatch(embedder: embeddingDimension, table: table)
            }
            throw error
        }
    }
}

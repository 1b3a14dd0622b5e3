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
    /// full text alone decides. Each method's query returns chunk ids and scores only; the text, headings and title
    /// are fetched for the fused hits alone, in the same snapshot: fetching them for every candidate cost as much as
    /// finding them. Without `commonWords` (a server keeps them a while: `CommonWords`), they are read first.
    ///
    /// With `nearest`, the vector method's candidates come from the caller (an in-memory copy of the vectors: a
    /// server's `ChunkVectorReplica`), nearest first, and only full text asks the database, outside a transaction:
    /// the copy is a snapshot of its own, and a chunk replaced since is left out for want of details, as here.
    public func search(_ query: SearchQuery, embedding: [Float], nearest: [ScoredChunk]? = nil, commonWords: CommonWords? = nil,
                       connection: PostgresConnection) throws -> [SearchHit] {
        try explainingFailures(embeddingDimension: embedding.count, connection: connection) {
            guard let nearest else {
                return try connection.transaction(.readOnlySnapshot) { tx in
                    try hits(query, embedding: embedding, nearest: nil, commonWords: commonWords, connection: tx)
                }
            }
            return try hits(query, embedding: [], nearest: nearest, commonWords: commonWords, connection: connection)
        }
    }

    /// The statements of `search`: candidates (the vector method's unless `nearest` brings them), fusion, details.
    private func hits(_ query: SearchQuery, embedding: [Float], nearest: [ScoredChunk]?, commonWords: CommonWords?,
                      connection: PostgresConnection) throws -> [SearchHit] {
        let words = try commonWords ?? CommonWords.read(schema: schema, connection: connection)
        let statements = try candidateStatements(query, embedding: embedding, commonWords: words)
        let results = try connection.pipeline(statements.map(\.statement), prepared: true)
        let candidates = try Self.candidates(zip(statements.map(\.role), results), limit: candidateLimit(query))
        let vector = nearest.map { Array($0.prefix(candidateLimit(query))) } ?? candidates.vector
        let fused = Self.fuse(vector: vector, text: candidates.text, limit: query.limit, rrfK: settings.rrfK)
        let details = try SearchSQL.chunkDetails(
            connection.pipeline([SearchSQL(schema: schema).details(of: fused.map(\.chunk))], prepared: true)[0])
        return fused.compactMap { hit in details[hit.chunk].map { SearchHit(hit, $0) } }
    }

    /// The vector method alone: the `limit` chunks in scope nearest to `embedding`, nearest first; blocking.
    /// Scores are cosine distances.
    public func nearestChunks(to embedding: [Float], worldID: String?, limit: Int, scan: VectorScan = .index,
                              connection: PostgresConnection) throws -> [SearchCandidate] {
        try settings.validate()
        let statements = vectorStatements(embedding: embedding, scope: .init(worldID: worldID), limit: limit, exact: scan == .exact)
        return try explainingFailures(embeddingDimension: embedding.count, connection: connection) {
            try connection.transaction(.readOnlySnapshot) { tx in
                let results = try tx.pipeline(statements.map(\.statement))
                return try withDetails(Self.candidates(zip(statements.map(\.role), results), limit: limit).vector, tx)
            }
        }
    }

    /// The full-text method alone: the `limit` chunks in scope matching any of the text's words, best first;
    /// blocking. Scores are `ts_rank_cd`.
    public func matchingChunks(_ text: String, worldID: String?, limit: Int, commonWords: CommonWords? = nil,
                               connection: PostgresConnection) throws -> [SearchCandidate] {
        try settings.validate()
        return try explainingFailures(embeddingDimension: embedder.dimension, connection: connection) {
            try connection.transaction(.readOnlySnapshot) { tx in
                let words = try commonWords ?? CommonWords.read(schema: schema, connection: tx)
                let statements = textStatements(text, scope: .init(worldID: worldID), limit: limit, commonWords: words)
                let results = try tx.pipeline(statements.map(\.statement), prepared: true)
                return try withDetails(Self.candidates(zip(statements.map(\.role), results), limit: limit).text, tx)
            }
        }
    }

    /// `chunks` with their details, in order; chunks gone since are left out.
    private func withDetails(_ chunks: [ScoredChunk], _ tx: PostgresConnection) throws -> [SearchCandidate] {
        let details = try SearchSQL.chunkDetails(tx.pipeline([SearchSQL(schema: schema).details(of: chunks.map(\.chunk))])[0])
        return chunks.compactMap { scored in details[scored.chunk].map { SearchCandidate(scored, $0) } }
    }

    /// PostgreSQL's plans for the statements `search` runs, under this search's settings, by method. With
    /// `analyze`, the statements run and the plans carry row counts and timings. Blocking.
    public func queryPlans(_ query: SearchQuery, embedding: [Float], analyze: Bool = false,
                           connection: PostgresConnection) throws -> [(statement: String, plan: [String])] {
        let explain = analyze ? "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " : "EXPLAIN (COSTS OFF) "
        let (statements, results) = try explainingFailures(embeddingDimension: embedding.count, connection: connection) {
            try connection.transaction { tx in
                let statements = try candidateStatements(
                    query, embedding: embedding, commonWords: CommonWords.read(schema: schema, connection: tx))
                return (statements, try tx.pipeline(statements.map { role, statement in
                    role == .settings ? statement : (sql: explain + statement.sql, parameters: statement.parameters)
                }))
            }
        }
        return zip(statements, results).compactMap { entry, result in
            entry.role == .settings ? nil : ("\(entry.role.rawValue) candidates", result.rows.compactMap { $0[0] })
        }
    }

    /// What each statement of a search is for.
    private enum Role: String {
        /// The HNSW scan settings of the vector statement after it.
        case settings
        /// A world's own chunks' nearest.
        case worldVector = "vector (world)"
        /// The global chunks' nearest.
        case globalVector = "vector (global)"
        /// The best matching of every part, in one statement.
        case text = "full-text"
    }

    private typealias Statement = (sql: String, parameters: [PostgresValue?])

    /// The statements of one search: the vector method's (unless the embedding is empty or all zeros), then full
    /// text.
    private func candidateStatements(_ query: SearchQuery, embedding: [Float], commonWords: CommonWords) throws
        -> [(role: Role, statement: Statement)]
    {
        try query.validate()
        try settings.validate()
        let scope = SearchSQL.Scope(worldID: query.worldID)
        let candidates = candidateLimit(query)
        var statements: [(role: Role, statement: Statement)] = []
        if embedding.contains(where: { $0 != 0 }) {
            statements = vectorStatements(embedding: embedding, scope: scope, limit: candidates, exact: false)
        }
        return statements + textStatements(query.text, scope: scope, limit: candidates, commonWords: commonWords)
    }

    /// The full-text method's statement: every part of `scope` in one.
    private func textStatements(_ text: String, scope: SearchSQL.Scope, limit: Int, commonWords: CommonWords)
        -> [(role: Role, statement: Statement)]
    {
        [(.text, SearchSQL(schema: schema).matching(text: text, parts: SearchSQL.parts(of: scope), limit: limit,
                                                    settings: settings, commonWords: commonWords))]
    }

    /// How many candidates each method brings for `query`: never fewer than its k.
    public func candidateLimit(_ query: SearchQuery) -> Int {
        max(settings.candidatesPerMethod, query.limit)
    }

    /// The vector method's statements: each part of `scope` after the scan settings of the index it is read with.
    /// The query vector is written out once for all parts.
    private func vectorStatements(embedding: [Float], scope: SearchSQL.Scope, limit: Int, exact: Bool)
        -> [(role: Role, statement: Statement)]
    {
        let sql = SearchSQL(schema: schema)
        let vector = KnowledgeBaseSQL.vectorLiteral(embedding)
        return SearchSQL.parts(of: scope).flatMap { part -> [(role: Role, statement: Statement)] in
            let role: Role = part == .global ? .globalVector : .worldVector
            return [(.settings, SearchSQL.scanSettings(settings, part: part, exact: exact)),
                    (role, sql.nearest(vector: vector, part: part, limit: limit))]
        }
    }

    /// The candidates of a search's results, each method's parts merged into its `limit` best.
    private static func candidates(_ results: some Sequence<(Role, PostgresResult)>, limit: Int) throws
        -> (vector: [ScoredChunk], text: [ScoredChunk])
    {
        var vector: [[ScoredChunk]] = []
        var text: [[ScoredChunk]] = []
        for (role, result) in results {
            switch role {
            case .settings: continue
            case .worldVector, .globalVector: vector.append(try SearchSQL.scoredChunks(result))
            case .text: text.append(try SearchSQL.scoredChunks(result))
            }
        }
        return (SearchSQL.nearestOfParts(vector, limit: limit), SearchSQL.bestMatchingOfParts(text, limit: limit))
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

    /// Fuses the two candidate lists by reciprocal rank into the best `limit`; pure.
    /// Equal scores are ordered by document id, then ordinal.
    public static func fuse(vector: [ScoredChunk], text: [ScoredChunk], limit: Int, rrfK: Int) -> [FusedChunk] {
        var distances: [ChunkID: Double] = [:]
        var textScores: [ChunkID: Double] = [:]
        for candidate in vector where distances[candidate.chunk] == nil { distances[candidate.chunk] = candidate.score }
        for candidate in text where textScores[candidate.chunk] == nil { textScores[candidate.chunk] = candidate.score }
        let fused = ReciprocalRankFusion.fuse([vector.map(\.chunk), text.map(\.chunk)], rrfK: rrfK)
        return fused.prefix(limit).map { entry in
            FusedChunk(chunk: entry.item, score: entry.score, vectorRank: entry.ranks[0],
                       cosineSimilarity: distances[entry.item].map { 1 - $0 }, textRank: entry.ranks[1],
                       textScore: textScores[entry.item])
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

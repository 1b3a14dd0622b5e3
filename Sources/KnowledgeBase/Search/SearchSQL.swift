import Foundation
import Postgres
import Projection

/// Every SQL statement of knowledge-base search.
struct SearchSQL {
    /// Quoted schema name.
    let schema: String

    init(schema: String) {
        self.schema = quoteIdentifier(schema)
    }

    /// Which chunks a query may see: its world's and the global ones, or only the global ones.
    enum Scope {
        case world(String)
        case globalOnly

        init(worldID: String?) {
            self = worldID.map(Scope.world) ?? .globalOnly
        }
    }

    /// The transaction-local settings of the HNSW scan (`SET LOCAL`, with parameters).
    /// `part` picks the `ef_search` of the index that part is scanned with.
    static func scanSettings(_ settings: SearchSettings, part: Part, exact: Bool) -> (sql: String, parameters: [PostgresValue?]) {
        var calls = [
            "set_config('hnsw.ef_search', $1, true)",
            "set_config('hnsw.iterative_scan', $2, true)",
        ]
        let efSearch = if case .global = part { settings.globalEfSearch } else { settings.efSearch }
        var parameters: [PostgresValue?] = [.int(efSearch), PostgresValue(settings.iterativeScan.rawValue)]
        if let maxScanTuples = settings.maxScanTuples {
            parameters.append(.int(maxScanTuples))
            calls.append("set_config('hnsw.max_scan_tuples', $\(parameters.count), true)")
        }
        if exact {
            // The same statement without the HNSW index: a sequential or bitmap scan, every distance computed.
            calls.append("set_config('enable_indexscan', 'off', true)")
        }
        return ("SELECT " + calls.joined(separator: ", "), parameters)
    }

    /// One part of a scope: a world's own chunks, or the global ones.
    ///
    /// A world's chunks and the global ones are searched apart, by each method, and merged (`KnowledgeBaseSearch`):
    /// one filter keeping a few percent of the rows starves an HNSW scan (it walks far past the nearest neighbours
    /// to find rows that pass, and its recall drops). Apart, the planner compares a small world's chunks exactly
    /// (`chunks_world_vectors`, then a top-N sort) and uses the HNSW index for a large one, and the global chunks
    /// have indexes of their own (partial: `WHERE world_id IS NULL`): an HNSW index built finer, searched with its
    /// own `ef_search`, and a text index, so full text reads neither the whole table's index for them nor a bitmap
    /// of every global chunk to intersect with (full text's mean 3.4 → 1.7 ms at 100,000 chunks).
    enum Part: Equatable {
        case world(String)
        case global

        /// The condition on `c.world_id` that keeps this part's chunks; a world's id is appended to `parameters`.
        func filter(parameters: inout [PostgresValue?]) -> String {
            switch self {
            case .world(let worldID):
                parameters.append(PostgresValue(worldID))
                return "c.world_id = $\(parameters.count)"
            case .global:
                return "c.world_id IS NULL"
            }
        }
    }

    /// The parts `scope` is searched in.
    static func parts(of scope: Scope) -> [Part] {
        switch scope {
        case .world(let worldID): [.world(worldID), .global]
        case .globalOnly: [.global]
        }
    }

    /// The `limit` chunks of `part` nearest to `vector` (pgvector's text form, `KnowledgeBaseSQL.vectorLiteral`) by
    /// cosine distance, nearest first: their ids and distances (`score`).
    ///
    /// With `hnsw.iterative_scan = relaxed_order` an index may return rows slightly out of order, so they are
    /// materialised and sorted again by distance (`+ 0` keeps PostgreSQL 17+ from dropping that sort as redundant;
    /// pgvector README, "Iterative index scans"). The scan reads only the chunks' keys and vectors, so that a
    /// world's exact scan is an index-only scan of `chunks_world_vectors`.
    func nearest(vector: String, part: Part, limit: Int) -> (sql: String, parameters: [PostgresValue?]) {
        var parameters: [PostgresValue?] = [PostgresValue(vector), .int(limit)]
        let filter = part.filter(parameters: &parameters)
        return (
            """
            SELECT n.document_id, n.ordinal, n.distance AS score
            FROM (
                SELECT c.document_id, c.ordinal, c.embedding <=> $1::vector AS distance
                FROM \(schema).chunks c
                WHERE \(filter)
                ORDER BY distance
                LIMIT $2
            ) n
            ORDER BY n.distance + 0, n.document_id, n.ordinal
            """,
            parameters
        )
    }

    /// The `limit` nearest of several parts' candidates, nearest first; equal distances in chunk order.
    static func nearestOfParts(_ parts: [[ScoredChunk]], limit: Int) -> [ScoredChunk] {
        Array(parts.joined().sorted { ($0.score, $0.chunk) < ($1.score, $1.chunk) }.prefix(limit))
    }

    /// The `limit` best matching of several parts' candidates, highest rank first; equal ranks in chunk order.
    static func bestMatchingOfParts(_ parts: [[ScoredChunk]], limit: Int) -> [ScoredChunk] {
        Array(parts.joined().sorted { ($0.score, $1.chunk) > ($1.score, $0.chunk) }.prefix(limit))
    }

    /// The `limit` chunks of `part` that best match the query's words, by `ts_rank_cd` (`score`), best first: their
    /// ids and ranks.
    ///
    /// Words are ORed, not ANDed: a question such as "who guards the library?" should find chunks about
    /// guards or libraries, not only chunks with both. But a chunk must hold at least half of the query's words: one
    /// incidental word in common ("who is in charge of the waterlogged metropolis" and a chunk about a charge of
    /// the guard) is not a match, and such candidates, fused with the vector half's, pushed the chunk that answers a
    /// paraphrase out of the top 5 (MiniLM's hybrid recall@5 on the paraphrase set: 0.77 with them, 0.95 without,
    /// the vector half's own). The lexemes are PostgreSQL's own (`to_tsvector` with the
    /// `english` configuration, as the `tsv` column was built), quoted for `tsquery` input (`''` and `\\`).
    ///
    /// Words in more than `commonWordFrequency` of the chunks (`commonWords`, the planner's statistics of `tsv`)
    /// only rank: they bring no candidates of their own unless no rarer word
    /// does, and then all the words must match, and only when they are expected together in at most
    /// `commonWordMatchLimit` chunks. Otherwise one common word makes most of the table a
    /// candidate, each one ranked (and `ts_rank_cd`, having no inverse document frequency, would rank chunks
    /// full of that word high). Without statistics (a table never analysed) every word brings candidates.
    ///
    /// The parts are searched in one statement, each as a branch of its own (its index, its `limit`), so the query's
    /// words are parsed and weighed once and a search pays for one statement, not one per part; the rows of all
    /// branches come together, to be merged by `bestMatchingOfParts`.
    func matching(text: String, parts: [Part], limit: Int, settings: SearchSettings, commonWords: CommonWords)
        -> (sql: String, parameters: [PostgresValue?])
    {
        let common = commonWords.above(settings.commonWordFrequency)
        var parameters: [PostgresValue?] = [
            PostgresValue(text), .int(limit), .textArray(common.lexemes), .doubleArray(common.frequencies),
            .int(settings.commonWordMatchLimit), .double(commonWords.chunks),
        ]
        let branches = parts.map { part in
            let filter = part.filter(parameters: &parameters)
            return #"""
                (SELECT c.document_id, c.ordinal, ts_rank_cd(c.tsv, (SELECT ranking FROM words)) AS score
                 FROM \#(schema).chunks c
                 WHERE c.tsv @@ (SELECT matching FROM words) AND \#(filter)
                   AND 2 * (SELECT count(*) FROM unnest((SELECT each FROM words)) AS e(query) WHERE c.tsv @@ e.query)
                       >= cardinality((SELECT each FROM words))
                 ORDER BY score DESC, c.document_id, c.ordinal
                 LIMIT $2)
                """#
        }
        return (
            #"""
            WITH lexemes AS MATERIALIZED (
                SELECT l.lexeme, q.quoted, q.quoted::tsquery AS query, s.frequency, s.frequency IS NULL AS rare
                FROM unnest(tsvector_to_array(to_tsvector('english', $1))) AS l(lexeme)
                CROSS JOIN LATERAL (SELECT '''' || replace(replace(l.lexeme, '\', '\\'), '''', '''''') || '''' AS quoted) q
                LEFT JOIN unnest($3::text[], $4::float8[]) AS s(lexeme, frequency) ON s.lexeme = l.lexeme
            ), words AS MATERIALIZED (
                SELECT (SELECT string_agg(quoted, ' | ' ORDER BY lexeme) FROM lexemes)::tsquery AS ranking,
                       coalesce((SELECT string_agg(quoted, ' | ' ORDER BY lexeme) FROM lexemes WHERE rare)::tsquery,
                                CASE WHEN (SELECT exp(sum(ln(frequency))) FROM lexemes) * $6 <= $5
                                     THEN plainto_tsquery('english', $1) END) AS matching,
                       coalesce((SELECT array_agg(query) FROM lexemes), '{}') AS each
            )

            """# + branches.joined(separator: "\nUNION ALL\n"),
            parameters
        )
    }

    /// The rows of `nearest` or `matching`.
    static func scoredChunks(_ result: PostgresResult) throws -> [ScoredChunk] {
        try result.rows.map { row in
            ScoredChunk(chunk: ChunkID(documentID: try row.string("document_id"), ordinal: try row.int("ordinal")),
                        score: try row.double("score"))
        }
    }

    /// The details of `chunks` (those still there), in no particular order.
    func details(of chunks: [ChunkID]) -> (sql: String, parameters: [PostgresValue?]) {
        (
            """
            SELECT c.document_id, c.ordinal, c.version, c.world_id, c.text, to_json(c.heading_path)::text AS heading_path,
                   d.title
            FROM unnest($1::text[], $2::int[]) AS k(document_id, ordinal)
            JOIN \(schema).chunks c ON c.document_id = k.document_id AND c.ordinal = k.ordinal
            JOIN \(schema).documents d ON d.document_id = c.document_id
            """,
            [.textArray(chunks.map(\.documentID)), .int64Array(chunks.map { Int64($0.ordinal) })]
        )
    }

    /// The rows of `details`, by chunk.
    static func chunkDetails(_ result: PostgresResult) throws -> [ChunkID: ChunkDetails] {
        let decoder = JSONDecoder()
        var details: [ChunkID: ChunkDetails] = [:]
        for row in result.rows {
            let headings = try row.string("heading_path")
            guard let headingPath = try? decoder.decode([String].self, from: Data(headings.utf8)) else {
                throw PostgresError(.decoding, message: "heading_path is not a JSON array of strings: \(headings.prefix(80))")
            }
            let chunk = ChunkID(documentID: try row.string("document_id"), ordinal: try row.int("ordinal"))
            details[chunk] = ChunkDetails(version: try row.int64("version"), title: try row.string("title"),
                                          worldID: row.optionalString("world_id"), headingPath: headingPath,
                                          text: try row.string("text"))
        }
        return details
    }
}

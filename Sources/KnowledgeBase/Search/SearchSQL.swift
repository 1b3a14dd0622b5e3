import Foundation
import Postgres
import Projection

/// Every SQL statement of knowledge-base search.
struct SearchSQL {
    /// Quoted schema name.
    let schema: String
    /// The schema name as the catalogs spell it.
    let unquotedSchema: String

    init(schema: String) {
        self.schema = quoteIdentifier(schema)
        self.unquotedSchema = schema
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

    /// One part of a scope for the vector method: a world's own chunks, or the global ones.
    ///
    /// A world's chunks and the global ones are searched apart and merged (`KnowledgeBaseSearch`): one filter keeping
    /// a few percent of the rows starves an HNSW scan (it walks far past the nearest neighbours to find rows that
    /// pass, and its recall drops). Apart, the planner compares a small world's chunks exactly (world index, then a
    /// top-N sort) and uses the HNSW index for a large one, and the global chunks have an HNSW index of their own
    /// (`chunks_global_embedding`, partial: `WHERE world_id IS NULL`, built finer), searched with its own `ef_search`.
    enum Part: Equatable {
        case world(String)
        case global
    }

    /// The parts `scope` is searched in.
    static func parts(of scope: Scope) -> [Part] {
        switch scope {
        case .world(let worldID): [.world(worldID), .global]
        case .globalOnly: [.global]
        }
    }

    /// The `limit` chunks of `part` nearest to `vector` (pgvector's text form, `KnowledgeBaseSQL.vectorLiteral`) by
    /// cosine distance, nearest first.
    ///
    /// With `hnsw.iterative_scan = relaxed_order` an index may return rows slightly out of order, so they are
    /// materialised and sorted again by distance (`+ 0` keeps PostgreSQL 17+ from dropping that sort as redundant;
    /// pgvector README, "Iterative index scans").
    func nearest(vector: String, part: Part, limit: Int) -> (sql: String, parameters: [PostgresValue?]) {
        var parameters: [PostgresValue?] = [PostgresValue(vector), .int(limit)]
        let filter: String
        switch part {
        case .world(let worldID):
            parameters.append(PostgresValue(worldID))
            filter = "c.world_id = $3"
        case .global:
            filter = "c.world_id IS NULL"
        }
        return (
            """
            WITH nearest AS MATERIALIZED (
                SELECT c.document_id, c.ordinal, c.version, c.world_id, c.text, c.heading_path,
                       c.embedding <=> $1::vector AS distance
                FROM \(schema).chunks c
                WHERE \(filter)
                ORDER BY distance
                LIMIT $2
            )
            SELECT n.document_id, n.ordinal, n.version, n.world_id, n.text, to_json(n.heading_path)::text AS heading_path,
                   d.title, n.distance AS score
            FROM nearest n
            JOIN \(schema).documents d ON d.document_id = n.document_id
            ORDER BY n.distance + 0, n.document_id, n.ordinal
            """,
            parameters
        )
    }

    /// The `limit` nearest of several parts' candidates, nearest first; equal distances in chunk order.
    static func nearestOfParts(_ parts: [[SearchCandidate]], limit: Int) -> [SearchCandidate] {
        Array(parts.joined().sorted { ($0.score, $0.chunk) < ($1.score, $1.chunk) }.prefix(limit))
    }

    /// The `limit` chunks in scope that best match the query's words, by `ts_rank_cd`, best first.
    ///
    /// Words are ORed, not ANDed: a question such as "who guards the library?" should find chunks about
    /// guards or libraries, not only chunks with both. But a chunk must hold at least half of the query's words: one
    /// incidental word in common ("who is in charge of the waterlogged metropolis" and a chunk about a charge of
    /// the guard) is not a match, and such candidates, fused with the vector half's, pushed the chunk that answers a
    /// paraphrase out of the top 5 (MiniLM's hybrid recall@5 on the paraphrase set: 0.77 with them, 0.95 without,
    /// the vector half's own). The lexemes are PostgreSQL's own (`to_tsvector` with the
    /// `english` configuration, as the `tsv` column was built), quoted for `tsquery` input (`''` and `\\`).
    ///
    /// Words in more than `commonWordFrequency` of the chunks (the planner's statistics of `tsv`:
    /// `pg_stats.most_common_elems`) only rank: they bring no candidates of their own unless no rarer word
    /// does, and then all the words must match. Otherwise one common word makes most of the table a
    /// candidate, each one ranked (and `ts_rank_cd`, having no inverse document frequency, would rank chunks
    /// full of that word high). Without statistics (a table never analysed) every word brings candidates.
    func matching(text: String, scope: Scope, limit: Int, commonWordFrequency: Double)
        -> (sql: String, parameters: [PostgresValue?])
    {
        var parameters: [PostgresValue?] = [
            PostgresValue(text), .int(limit), PostgresValue(unquotedSchema), .double(commonWordFrequency),
        ]
        let filter = scopeFilter(scope, column: "c.world_id", parameters: &parameters)
        return (
            #"""
            WITH lexemes AS MATERIALIZED (
                SELECT l.lexeme, '''' || replace(replace(l.lexeme, '\', '\\'), '''', '''''') || '''' AS quoted,
                       coalesce(s.frequency, 0) AS frequency
                FROM unnest(tsvector_to_array(to_tsvector('english', $1))) AS l(lexeme)
                LEFT JOIN (
                    SELECT e.lexeme, e.frequency
                    FROM pg_stats p, unnest(p.most_common_elems::text::text[], p.most_common_elem_freqs) AS e(lexeme, frequency)
                    WHERE p.schemaname = $3 AND p.tablename = 'chunks' AND p.attname = 'tsv'
                ) s ON s.lexeme = l.lexeme
            ), words AS MATERIALIZED (
                SELECT (SELECT string_agg(quoted, ' | ' ORDER BY lexeme) FROM lexemes)::tsquery AS ranking,
                       coalesce((SELECT string_agg(quoted, ' | ' ORDER BY lexeme) FROM lexemes WHERE frequency <= $4)::tsquery,
                                plainto_tsquery('english', $1)) AS matching
            ), matches AS (
                SELECT c.document_id, c.ordinal, ts_rank_cd(c.tsv, (SELECT ranking FROM words)) AS rank
                FROM \#(schema).chunks c
                WHERE c.tsv @@ (SELECT matching FROM words) AND \#(filter)
                  AND 2 * (SELECT count(*) FROM lexemes l WHERE c.tsv @@ l.quoted::tsquery) >= (SELECT count(*) FROM lexemes)
                ORDER BY rank DESC, c.document_id, c.ordinal
                LIMIT $2
            )
            SELECT c.document_id, c.ordinal, c.version, c.world_id, c.text, to_json(c.heading_path)::text AS heading_path,
                   d.title, m.rank AS score
            FROM matches m
            JOIN \#(schema).chunks c ON c.document_id = m.document_id AND c.ordinal = m.ordinal
            JOIN \#(schema).documents d ON d.document_id = m.document_id
            ORDER BY m.rank DESC, m.document_id, m.ordinal
            """#,
            parameters
        )
    }

    /// The rows of `nearest` or `matching` as candidates.
    static func candidates(_ result: PostgresResult) throws -> [SearchCandidate] {
        let decoder = JSONDecoder()
        return try result.rows.map { row in
            let headings = try row.string("heading_path")
            guard let headingPath = try? decoder.decode([String].self, from: Data(headings.utf8)) else {
                throw PostgresError(.decoding, message: "heading_path is not a JSON array of strings: \(headings.prefix(80))")
            }
            return SearchCandidate(
                chunk: ChunkID(documentID: try row.string("document_id"), ordinal: try row.int("ordinal")),
                version: try row.int64("version"), title: try row.string("title"), worldID: row.optionalString("world_id"),
                headingPath: headingPath, text: try row.string("text"), score: try row.double("score"))
        }
    }

    /// `world_id = $n OR world_id IS NULL`, or `world_id IS NULL` for global only.
    private func scopeFilter(_ scope: Scope, column: String, parameters: inout [PostgresValue?]) -> String {
        switch scope {
        case .world(let worldID):
            parameters.append(PostgresValue(worldID))
            return "(\(column) = $\(parameters.count) OR \(column) IS NULL)"
        case .globalOnly:
            return "\(column) IS NULL"
        }
    }
}

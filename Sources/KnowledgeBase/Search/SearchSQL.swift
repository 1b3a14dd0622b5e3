import Foundation
import Postgres

/// Every SQL statement of knowledge-base search.
struct SearchSQL {
    /// Quoted schema name.
    let schema: String

    /// Which chunks a query may see: its world's and the global ones, or only the global ones.
    enum Scope {
        case world(String)
        case globalOnly

        init(worldID: String?) {
            self = worldID.map(Scope.world) ?? .globalOnly
        }
    }

    /// The transaction-local settings of the HNSW scan (`SET LOCAL`, with parameters).
    static func scanSettings(_ settings: SearchSettings, exact: Bool) -> (sql: String, parameters: [PostgresValue?]) {
        var calls = [
            "set_config('hnsw.ef_search', $1, true)",
            "set_config('hnsw.iterative_scan', $2, true)",
        ]
        var parameters: [PostgresValue?] = [.int(settings.efSearch), PostgresValue(settings.iterativeScan.rawValue)]
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

    /// The `limit` chunks in scope nearest to `embedding` by cosine distance, nearest first.
    ///
    /// With `hnsw.iterative_scan = relaxed_order` the index may return rows slightly out of order, so the
    /// candidates are materialised and sorted again by distance (`+ 0` keeps PostgreSQL 17+ from dropping
    /// that sort as redundant; pgvector README, "Iterative index scans").
    func nearest(embedding: [Float], scope: Scope, limit: Int) -> (sql: String, parameters: [PostgresValue?]) {
        var parameters: [PostgresValue?] = [PostgresValue(KnowledgeBaseSQL.vectorLiteral(embedding)), .int(limit)]
        let filter = scopeFilter(scope, column: "c.world_id", parameters: &parameters)
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
            FROM nearest n JOIN \(schema).documents d ON d.document_id = n.document_id
            ORDER BY n.distance + 0, n.document_id, n.ordinal
            """,
            parameters
        )
    }

    /// The `limit` chunks in scope that best match any of the query's words, by `ts_rank_cd`, best first.
    ///
    /// Words are ORed, not ANDed: a question such as "who guards the library?" should find chunks about
    /// guards or libraries, not only chunks with both. `plainto_tsquery` parses, stems and drops stop words
    /// exactly as the `tsv` column was built; its `&` operators become `|` (lexemes never contain spaces, so
    /// " & " only ever appears as the operator). The query is built once, in an init plan.
    func matching(text: String, scope: Scope, limit: Int) -> (sql: String, parameters: [PostgresValue?]) {
        var parameters: [PostgresValue?] = [PostgresValue(text), .int(limit)]
        let filter = scopeFilter(scope, column: "c.world_id", parameters: &parameters)
        return (
            """
            WITH words AS MATERIALIZED (
                SELECT replace(plainto_tsquery('english', $1)::text, ' & ', ' | ')::tsquery AS query
            ), matches AS (
                SELECT c.document_id, c.ordinal, ts_rank_cd(c.tsv, (SELECT query FROM words)) AS rank
                FROM \(schema).chunks c
                WHERE c.tsv @@ (SELECT query FROM words) AND \(filter)
                ORDER BY rank DESC, c.document_id, c.ordinal
                LIMIT $2
            )
            SELECT c.document_id, c.ordinal, c.version, c.world_id, c.text, to_json(c.heading_path)::text AS heading_path,
                   d.title, m.rank AS score
            FROM matches m
            JOIN \(schema).chunks c ON c.document_id = m.document_id AND c.ordinal = m.ordinal
            JOIN \(schema).documents d ON d.document_id = m.document_id
            ORDER BY m.rank DESC, m.document_id, m.ordinal
            """,
            parameters
        )
    }

    /// The rows of `nearest` or `matching` as candidates.
    static func candidates(_ result: PostgresResult) throws -> [SearchCandidate] {
        try result.rows.map { row in
            let headings = try row.string("heading_path")
            guard let headingPath = try? JSONDecoder().decode([String].self, from: Data(headings.utf8)) else {
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

import Foundation
import Postgres
import Projection

/// A stored document and its chunks as readers receive them.
public struct DocumentReport: Codable, Sendable, Equatable {
    /// One chunk, without its embedding.
    public struct Chunk: Codable, Sendable, Equatable {
        public var ordinal: Int
        public var headingPath: [String]
        public var text: String
        public var tokenCount: Int
    }

    public var documentID: String
    public var version: Int64
    /// nil for a global document.
    public var worldID: String?
    public var title: String
    public var source: String
    public var contentHash: String
    public var tags: [String]
    /// PII found and replaced, by kind.
    public var piiCounts: [String: Int]
    /// Event time of the version stored, ISO 8601 in UTC with microseconds.
    public var occurredAt: String
    public var chunks: [Chunk]
}

/// Reads documents and their chunks.
public struct DocumentQueries: Sendable {
    private let schema: String

    /// Reads the tables in `schema` (unquoted).
    public init(schema: String = "kb") {
        self.schema = quoteIdentifier(schema)
    }

    /// The document's stored version and its chunks in order; nil when there is no such document. Blocking.
    public func document(_ documentID: String, connection: PostgresConnection) throws -> DocumentReport? {
        // One round trip, one snapshot: both statements share the pipeline's implicit transaction.
        let results = try connection.pipeline([
            (sql: """
                    SELECT document_id, version, world_id, title, source, content_hash, to_json(tags)::text AS tags,
                        pii_counts::text AS pii_counts,
                        \(rfc3339UTC("occurred_at")) AS occurred_at
                    FROM \(schema).documents WHERE document_id = $1
                    """, parameters: [PostgresValue(documentID)]),
            (sql: """
                    SELECT ordinal, to_json(heading_path)::text AS heading_path, text, token_count
                    FROM \(schema).chunks WHERE document_id = $1 ORDER BY ordinal
                    """, parameters: [PostgresValue(documentID)]),
        ])
        guard let row = results[0].first else { return nil }
        let decoder = JSONDecoder()
        let chunks = try results[1].rows.map { chunk in
            DocumentReport.Chunk(
                ordinal: try chunk.int("ordinal"),
                headingPath: try decoder.decode([String].self, from: Data(try chunk.string("heading_path").utf8)),
                text: try chunk.string("text"), tokenCount: try chunk.int("token_count"))
        }
        return DocumentReport(
            documentID: try row.string("document_id"), version: try row.int64("version"),
            worldID: row.optionalString("world_id"), title: try row.string("title"), source: try row.string("source"),
            contentHash: try row.string("content_hash"),
            tags: try decoder.decode([String].self, from: Data(try row.string("tags").utf8)),
            piiCounts: try decoder.decode([String: Int].self, from: Data(try row.string("pii_counts").utf8)),
            occurredAt: try row.string("occurred_at"), chunks: chunks)
    }
}

import Foundation
import Crypto
import Postgres

/// Embeddings already paid for, by (model, dimension, SHA-256 of the text), in `kb_cache.embeddings`.
///
/// It lives outside the projection's schema, so replays and rebuilds (which drop or swap that schema) find
/// every vector a remote model already returned and never pay for it twice.
public struct EmbeddingCache: Sendable {
    public static let schema = "kb_cache"
    static let table = "\(schema).embeddings"

    public let model: String
    public let dimension: Int

    public init(model: String, dimension: Int) {
        self.model = model
        self.dimension = dimension
    }

    static let migrations = [
        "CREATE SCHEMA IF NOT EXISTS \(schema)",
        """
        CREATE TABLE IF NOT EXISTS \(table) (
            model text NOT NULL,
            dimension integer NOT NULL,
            text_sha256 text NOT NULL,
            embedding vector NOT NULL,
            PRIMARY KEY (model, dimension, text_sha256)
        )
        """,
    ]

    /// Lower-case hex SHA-256 of the text's UTF-8 bytes.
    public static func key(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The cached vectors among `keys`, by key.
    func vectors(for keys: [String], connection: PostgresConnection) throws -> [String: [Float]] {
        guard !keys.isEmpty else { return [:] }
        let result = try connection.execute(
            """
            SELECT text_sha256, embedding::text AS embedding FROM \(Self.table)
            WHERE model = $1 AND dimension = $2 AND text_sha256 = ANY($3::text[])
            """,
            [PostgresValue(model), .int(dimension), .textArray(keys)])
        var vectors: [String: [Float]] = [:]
        for row in result.rows {
            if let vector = VectorText.parse(try row.string("embedding")), vector.count == dimension {
                vectors[try row.string("text_sha256")] = vector
            }
        }
        return vectors
    }

    /// Stores vectors; keys already cached keep their first vector.
    func store(_ vectors: [String: [Float]], connection: PostgresConnection) throws {
        guard !vectors.isEmpty else { return }
        let entries = vectors.sorted { $0.key < $1.key }
        try connection.execute(
            """
            INSERT INTO \(Self.table) (model, dimension, text_sha256, embedding)
            SELECT $1, $2, k, v::vector FROM unnest($3::text[], $4::text[]) AS t(k, v)
            ON CONFLICT DO NOTHING
            """,
            [PostgresValue(model), .int(dimension), .textArray(entries.map(\.key)),
             .textArray(entries.map { KnowledgeBaseSQL.vectorLiteral($0.value) })])
    }
}

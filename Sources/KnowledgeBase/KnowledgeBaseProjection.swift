import AnnalsEvents
import Postgres
import Projection

/// `document-ingested` → `kb.documents` and `kb.chunks` (scrubbed text, embeddings, full-text vectors).
public struct KnowledgeBaseProjection: Projection {
    public let name = "kb"
    public let version = 1
    public let topics: [AnnalsTopic] = [.documentIngested]
    public let schema: String
    public let tables = ["documents", "chunks"]
    public let settings: KnowledgeBaseSettings
    private let embedder: HashingEmbedder

    public init(schema: String = "kb", settings: KnowledgeBaseSettings = .init()) throws {
        self.schema = schema
        self.settings = settings
        self.embedder = try HashingEmbedder(dimension: settings.dimension)
    }

    public func migrations(schema: String) -> [String] {
        KnowledgeBaseSQL.migrations(schema: quoteIdentifier(schema), settings: settings)
    }

    /// The table's embedding dimension must be the embedder's: say so at start-up, not on the first insert.
    public func checkCompatibility(schema: String, connection: PostgresConnection) throws {
        let sql = KnowledgeBaseSQL(schema: quoteIdentifier(schema))
        if let table = try sql.embeddingDimension(connection: connection), table != embedder.dimension {
            throw EmbedderError.dimensionMismatch(embedder: embedder.dimension, table: table)
        }
    }

    /// Scrubbing, chunking and embedding happen as documents arrive, outside the transaction.
    public func prepare(_ projected: ProjectedEvent) -> (any Sendable)? {
        guard case .documentIngested(let event) = projected.event else { return nil }
        return DocumentPlan.make(event, chunking: settings.chunking, embedder: embedder)
    }

    public func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
        var documents: [(plan: DocumentPlan, event: DocumentIngested, coordinates: EventCoordinates)] = []
        for projected in events {
            guard case .documentIngested(let event) = projected.event else { continue }
            let plan = projected.prepared as? DocumentPlan
                ?? DocumentPlan.make(event, chunking: settings.chunking, embedder: embedder)
            documents.append((plan, event, projected.coordinates))
        }
        guard !documents.isEmpty else { return }
        let sql = KnowledgeBaseSQL(schema: quoteIdentifier(schema))
        let stored = try sql.storedVersions(Array(Set(documents.map(\.plan.documentID))), connection: connection)
        let newer = DocumentVersions.replacements(
            documents, documentID: \.plan.documentID, version: \.plan.version, stored: stored)
        try sql.replace(newer, connection: connection)
    }
}

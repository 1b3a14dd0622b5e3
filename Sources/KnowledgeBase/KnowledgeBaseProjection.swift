import AnnalsEvents
import Postgres
import Projection

/// `document-ingested` → `kb.documents` and `kb.chunks` (scrubbed text, embeddings, full-text vectors);
/// the concepts and relationships documents declare and story events update → `kb.concept_versions`,
/// `kb.concepts`, `kb.relationship_changes`, `kb.relationships`.
public struct KnowledgeBaseProjection: Projection {
    public let name = "kb"
    public let version = 2
    public let topics: [AnnalsTopic] = [.documentIngested, .storyEvent]
    public let schema: String
    public let tables = ["documents", "chunks", "concept_versions", "concepts", "relationship_changes", "relationships"]
    public let settings: KnowledgeBaseSettings
    private let embedder: HashingEmbedder

    public init(schema: String = "kb", settings: KnowledgeBaseSettings = .init()) throws {
        self.schema = schema
        self.settings = settings
        self.embedder = try HashingEmbedder(dimension: settings.dimension)
    }

    public func migrations(schema: String) -> [String] {
        KnowledgeBaseSQL.migrations(schema: quoteIdentifier(schema), settings: settings)
            + ConceptSQL.migrations(schema: quoteIdentifier(schema))
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
        var changes = NarrativeChanges()
        for projected in events {
            switch projected.event {
            case .documentIngested(let event):
                let plan = projected.prepared as? DocumentPlan
                    ?? DocumentPlan.make(event, chunking: settings.chunking, embedder: embedder)
                documents.append((plan, event, projected.coordinates))
            case .storyEvent(let event):
                changes.append(.updates(in: event, at: projected.coordinates))
            default:
                continue
            }
        }
        let sql = KnowledgeBaseSQL(schema: quoteIdentifier(schema))
        let concepts = ConceptSQL(schema: quoteIdentifier(schema))
        if !documents.isEmpty {
            let stored = try sql.storedVersions(Array(Set(documents.map(\.plan.documentID))), connection: connection)
            changes.append(try declarations(of: documents, stored: stored, concepts: concepts, connection: connection))
            let newer = DocumentVersions.replacements(
                documents, documentID: \.plan.documentID, version: \.plan.version, stored: stored)
            try sql.replace(newer, connection: connection)
        }
        try concepts.record(changes, connection: connection)
    }

    /// The declarations of every document version newer than the one applied before it, in offset order: each
    /// version's concepts are history even when a later version in the same batch replaces its chunks, so the
    /// tables do not depend on where batches happen to end.
    private func declarations(of documents: [(plan: DocumentPlan, event: DocumentIngested, coordinates: EventCoordinates)],
                              stored: [String: Int64], concepts: ConceptSQL,
                              connection: PostgresConnection) throws -> NarrativeChanges {
        var applied = stored
        var declared: [String: Set<RelationshipChange.Key>] = [:]
        var changes = NarrativeChanges()
        for (plan, event, coordinates) in documents {
            let id = plan.documentID
            if let last = applied[id], plan.version <= last { continue }
            let previous = try declared[id] ?? applied[id].map {
                try concepts.declaredRelationships(documentID: id, version: $0, connection: connection)
            } ?? []
            let declaration = NarrativeChanges.declared(by: event, at: coordinates, replacing: previous)
            declared[id] = Set(declaration.relationships.filter(\.present).map(\.key))
            applied[id] = plan.version
            changes.append(declaration)
        }
        return changes
    }
}

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
    /// The embedding cache, kept across replays.
    public var auxiliarySchemas: [String] { [EmbeddingCache.schema] }
    public let settings: KnowledgeBaseSettings
    private let embedder: any Embedder

    /// A projection embedding with `embedder` (default: `HashingEmbedder` of `settings.dimension`), whose
    /// dimension must be `settings.dimension`.
    public init(schema: String = "kb", settings: KnowledgeBaseSettings = .init(), embedder: (any Embedder)? = nil) throws {
        self.schema = schema
        self.settings = settings
        self.embedder = try embedder ?? HashingEmbedder(dimension: settings.dimension)
        try self.embedder.requireDimension(matchingTable: settings.dimension)
    }

    public func migrations(schema: String) -> [String] {
        KnowledgeBaseSQL.migrations(schema: quoteIdentifier(schema), settings: settings)
            + ConceptSQL.migrations(schema: quoteIdentifier(schema)) + EmbeddingCache.migrations
            + KnowledgeBaseSQL.embedderRecord(schema: quoteIdentifier(schema), model: embedder.model, dimension: embedder.dimension)
    }

    /// The chunks' HNSW, GIN and world indexes: a replay loads its shadow without them and builds each once.
    public func deferredIndexes(schema: String) -> [String] {
        KnowledgeBaseSQL.indexes(schema: quoteIdentifier(schema), settings: settings)
    }

    /// The tables' vectors must come from this embedder (its model, its dimension): say so at start-up, and when a
    /// replay's swap brings tables of another, not on the first insert nor as silently wrong search results.
    public func checkCompatibility(schema: String, connection: PostgresConnection) throws {
        let sql = KnowledgeBaseSQL(schema: quoteIdentifier(schema))
        try sql.requireRecordedEmbedder(matching: embedder, connection: connection)
        if let table = try sql.embeddingDimension(connection: connection), table != embedder.dimension {
            throw EmbedderError.dimensionMismatch(embedder: embedder.dimension, table: table)
        }
    }

    /// Scrubbing and chunking happen as documents arrive, outside the transaction; so does embedding with a
    /// local embedder. A remote embedder's vectors come in `complete`.
    public func prepare(_ projected: ProjectedEvent) -> (any Sendable)? {
        guard case .documentIngested(let event) = projected.event else { return nil }
        return plan(event)
    }

    /// Remote embeddings for the batch's documents, through the cache, before the transaction.
    public func complete(_ events: [ProjectedEvent], connection: PostgresConnection) throws -> [ProjectedEvent] {
        guard !(embedder is any LocalEmbedder) else { return events }
        var indices: [Int] = []
        var plans: [DocumentPlan] = []
        for (index, projected) in events.enumerated() {
            guard case .documentIngested(let event) = projected.event else { continue }
            indices.append(index)
            plans.append(projected.prepared as? DocumentPlan ?? plan(event))
        }
        guard !plans.isEmpty else { return events }
        try RemoteChunkEmbedding(embedder: embedder).complete(&plans, connection: connection)
        var completed = events
        for (index, plan) in zip(indices, plans) { completed[index].prepared = plan }
        return completed
    }

    private func plan(_ event: DocumentIngested) -> DocumentPlan {
        if let local = embedder as? any LocalEmbedder {
            return DocumentPlan.make(event, chunking: settings.chunking, embedder: local)
        }
        return DocumentPlan.make(event, chunking: settings.chunking)
    }

    public func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
        var documents: [(plan: DocumentPlan, event: DocumentIngested, coordinates: EventCoordinates)] = []
        var changes = NarrativeChanges()
        for projected in events {
            switch projected.event {
            case .documentIngested(let event):
                let plan = projected.prepared as? DocumentPlan ?? plan(event)
                if let failure = plan.embeddingFailure { throw DocumentRejected(description: failure) }
                guard plan.isEmbedded else {
                    throw TransientFailure("document \(plan.documentID) reached apply without its embeddings")
                }
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

/// A document the projection cannot store (its text refused by the embedding model): dead-lettered.
struct DocumentRejected: Error, CustomStringConvertible {
    var description: String
}

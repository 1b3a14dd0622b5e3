import Postgres
import Projection

/// Fills in document plans' embeddings from a remote embedder, through the embedding cache.
///
/// Runs in the projection's `complete` step, outside the batch's transaction: the cache keeps what the
/// model returned even if the batch then rolls back, so no vector is paid for twice.
struct RemoteChunkEmbedding {
    let embedder: any Embedder
    let cache: EmbeddingCache

    init(embedder: any Embedder) {
        self.embedder = embedder
        self.cache = EmbeddingCache(model: embedder.model, dimension: embedder.dimension)
    }

    /// Embeds every chunk still missing its vector. A transient failure throws `TransientFailure` (the runner
    /// retries the batch later); a document whose text the model refuses gets `embeddingFailure`; a
    /// configuration failure is rethrown and stops the worker.
    func complete(_ plans: inout [DocumentPlan], connection: PostgresConnection) throws {
        let wanted = Self.missingInputs(plans)
        guard !wanted.isEmpty else { return }
        var vectors = try cache.vectors(for: Array(wanted.keys), connection: connection)
        let missing = wanted.filter { vectors[$0.key] == nil }
        do {
            vectors.merge(try embedAndCache(missing, connection: connection)) { cached, _ in cached }
        } catch let error where Self.kind(of: error) == .rejectedInput {
            // Some text is refused: find whose, one document at a time, and embed the rest.
            for index in plans.indices {
                let own = Self.missingInputs([plans[index]]).filter { vectors[$0.key] == nil }
                do {
                    vectors.merge(try embedAndCache(own, connection: connection)) { cached, _ in cached }
                } catch let error where Self.kind(of: error) == .rejectedInput {
                    plans[index].embeddingFailure = "the embedding model refused the document's text: \(error)"
                }
            }
        }
        for index in plans.indices where plans[index].embeddingFailure == nil {
            plans[index].embed { vectors[EmbeddingCache.key($0)] ?? [] }
        }
    }

    /// Texts of chunks without a vector, by cache key.
    private static func missingInputs(_ plans: [DocumentPlan]) -> [String: String] {
        var inputs: [String: String] = [:]
        for plan in plans where plan.embeddingFailure == nil {
            for chunk in plan.chunks where chunk.embedding.isEmpty {
                inputs[EmbeddingCache.key(chunk.embeddingInput)] = chunk.embeddingInput
            }
        }
        return inputs
    }

    private func embedAndCache(_ texts: [String: String], connection: PostgresConnection) throws -> [String: [Float]] {
        guard !texts.isEmpty else { return [:] }
        let ordered = texts.sorted { $0.key < $1.key }
        let embedder = embedder
        let inputs = ordered.map(\.value)
        let returned: [[Float]]
        do {
            returned = try awaitBlocking { try await embedder.embed(inputs) }
        } catch where Self.kind(of: error) == .transient {
            throw TransientFailure("the embedding model \(embedder.model) is unavailable: \(error)")
        }
        guard returned.count == inputs.count else {
            throw TransientFailure("the embedding model \(embedder.model) returned \(returned.count) vectors for \(inputs.count) texts")
        }
        if let wrong = returned.first(where: { $0.count != embedder.dimension }) {
            throw EmbedderError.dimensionMismatch(embedder: wrong.count, table: embedder.dimension)
        }
        let fresh = Dictionary(uniqueKeysWithValues: zip(ordered.map(\.key), returned))
        try cache.store(fresh, connection: connection)
        return fresh
    }

    private static func kind(of error: any Error) -> EmbedderFailureKind {
        (error as? any EmbedderFailure)?.failureKind ?? (error is EmbedderError ? .configuration : .transient)
    }
}

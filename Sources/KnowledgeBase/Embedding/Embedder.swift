/// Turns texts into vectors of a fixed dimension.
///
/// Implementations: `HashingEmbedder` (the default: no model, deterministic across
/// processes and machines) and, later, a remote model. Every vector an embedder returns
/// has exactly `dimension` components, one vector per input text, in input order.
public protocol Embedder: Sendable {
    /// Identifies the model in the embedding cache key, e.g. "hashing-v1".
    var model: String { get }
    /// How many components every vector has; must equal the `vector(n)` of `kb.chunks.embedding`.
    var dimension: Int { get }
    /// One vector per text, in the order given.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

extension Embedder {
    /// Fails at start-up, with what to do, when this embedder's vectors do not fit the table's `vector(tableDimension)` column.
    public func requireDimension(matchingTable tableDimension: Int) throws(EmbedderError) {
        guard dimension == tableDimension else {
            throw .dimensionMismatch(embedder: dimension, table: tableDimension)
        }
    }
}

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

/// An embedder that computes vectors in process, cheaply and synchronously: the projection embeds with it
/// as events arrive and never caches its vectors (computing one costs less than looking it up).
public protocol LocalEmbedder: Embedder {
    /// The vector of one text.
    func embedOne(_ text: String) -> [Float]
}

/// What kind of failure an embedder error is, which decides what the projection does about it.
public enum EmbedderFailureKind: Sendable {
    /// The same input may succeed later (a timeout, a rate limit, a server error): retry the batch.
    case transient
    /// The model refuses this input and always will: dead-letter the document whose text it is.
    case rejectedInput
    /// Nothing will work until someone fixes the settings (a bad key, an unknown model): stop the worker.
    case configuration
}

/// An embedder error that says what kind of failure it is. Errors that do not conform count as transient,
/// so an unexpected failure delays documents rather than dead-lettering them.
public protocol EmbedderFailure: Error {
    var failureKind: EmbedderFailureKind { get }
}

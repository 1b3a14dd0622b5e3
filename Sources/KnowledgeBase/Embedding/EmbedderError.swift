/// Why an embedder could not be built or used; each message says what to do.
public enum EmbedderError: Error, Equatable, CustomStringConvertible {
    /// The configured dimension is outside `HashingEmbedder.dimensionRange`.
    case invalidDimension(Int)
    /// The embedder's vectors and the `kb.chunks.embedding` column disagree on their dimension.
    case dimensionMismatch(embedder: Int, table: Int)

    public var description: String {
        switch self {
        case .invalidDimension(let dimension):
            let range = HashingEmbedder.dimensionRange
            return "embedding dimension \(dimension) is out of range: choose a dimension from "
                + "\(range.lowerBound) to \(range.upperBound) (pgvector's limit for a vector column)"
        case .dimensionMismatch(let embedder, let table):
            return "the embedder makes vectors of \(embedder) dimensions but kb.chunks.embedding "
                + "is vector(\(table)): set the embedding dimension to \(table) to use the existing "
                + "vectors, or replay the knowledge-base projection so its tables are rebuilt "
                + "as vector(\(embedder)) and every chunk is embedded again"
        }
    }
}

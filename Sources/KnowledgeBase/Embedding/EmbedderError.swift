import Projection

/// Why an embedder could not be built or used; each message says what to do.
public enum EmbedderError: RemediableError, Equatable {
    /// The configured dimension is outside `HashingEmbedder.dimensionRange`.
    case invalidDimension(Int)
    /// The embedder's vectors and the `kb.chunks.embedding` column disagree on their dimension.
    case dimensionMismatch(embedder: Int, table: Int)
    /// The tables hold vectors of another model (`kb.embedder` records it): vectors of two models in one index
    /// would make search silently wrong.
    case modelMismatch(embedder: String, dimension: Int, tables: String, tableDimension: Int)

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
        case .modelMismatch(let embedder, let dimension, let tables, let tableDimension):
            return "the knowledge base was embedded with \(tables) (\(tableDimension) dimensions) but this embedder is "
                + "\(embedder) (\(dimension) dimensions), and one index cannot mix them: keep the embedder the tables "
                + "were built with, or switch by rebuilding them"
        }
    }

    public var remedy: Remedy? {
        switch self {
        case .invalidDimension: nil
        case .dimensionMismatch: nil
        case .modelMismatch(let embedder, let dimension, _, _):
            .replayWithEmbedder(projection: "kb", model: embedder, dimension: dimension)
        }
    }
}

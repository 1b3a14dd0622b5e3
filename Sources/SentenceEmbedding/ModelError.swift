/// Why the sentence-embedding model could not be loaded.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// A model file is not where it was looked for.
    case missingFile(path: String)
    /// `vocab.txt` lacks what the tokenizer needs.
    case vocabulary(String)
    /// `model.safetensors` is malformed or lacks a tensor of the expected shape.
    case weights(String)

    public var description: String {
        switch self {
        case .missingFile(let path): "no \(path)"
        case .vocabulary(let reason): "vocabulary: \(reason)"
        case .weights(let reason): "weights: \(reason)"
        }
    }
}

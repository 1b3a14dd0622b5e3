import COpenBLAS
import Foundation

/// `all-MiniLM-L6-v2` (sentence-transformers, Apache-2.0): its tokenizer and encoder, loaded from a model directory
/// holding `vocab.txt` and `model.safetensors`. The model reads at most 256 tokens at once, as it was trained.
public struct MiniLM: Sendable {
    /// The name the embedding cache keys vectors by.
    public static let modelName = "all-MiniLM-L6-v2"
    /// The model's vectors have this many components.
    public static let dimension = 384
    /// The most tokens of one input, `[CLS]` and `[SEP]` included.
    public static let maximumTokens = 256

    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder

    /// Loads the model in `directory`; throws saying which file is missing or malformed.
    public init(directory: String) throws(ModelError) {
        let folder = directory.hasSuffix("/") ? directory : directory + "/"
        func read(_ name: String) throws(ModelError) -> Data {
            guard let data = FileManager.default.contents(atPath: folder + name) else {
                throw .missingFile(path: folder + name)
            }
            return data
        }
        guard let vocabulary = String(data: try read("vocab.txt"), encoding: .utf8) else {
            throw .vocabulary("vocab.txt is not UTF-8")
        }
        tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        encoder = try BertEncoder(SafeTensors(try read("model.safetensors")))
        guard tokenizer.vocabularySize == encoder.shape.vocabulary else {
            throw .vocabulary("vocab.txt has \(tokenizer.vocabularySize) pieces; the weights have \(encoder.shape.vocabulary)")
        }
        // One thread per product: concurrent texts (and requests) are what spread over the cores.
        openblas_set_num_threads(1)
    }

    /// The unit-length vector of `text`. A text longer than the model's 256 tokens is not cut: it is read in
    /// windows of 254 pieces (each between `[CLS]` and `[SEP]`), and the token states of every window are pooled
    /// together, so the whole chunk counts.
    public func vector(_ text: String) -> [Float] {
        let pieces = tokenizer.pieces(text)
        let window = Self.maximumTokens - 2
        guard pieces.count > window else {
            return encoder.sentenceVector([tokenizer.classifierID] + pieces + [tokenizer.separatorID])
        }
        var sum = [Float](repeating: 0, count: Self.dimension)
        for start in stride(from: 0, to: pieces.count, by: window) {
            let ids = [tokenizer.classifierID] + pieces[start..<min(start + window, pieces.count)] + [tokenizer.separatorID]
            for (index, value) in encoder.tokenStateSum(ids).enumerated() { sum[index] += value }
        }
        return BertEncoder.unitLength(sum)
    }

    /// How many tokens `text` is, `[CLS]` and `[SEP]` included, before the cut at `maximumTokens`.
    public func tokenCount(_ text: String) -> Int {
        tokenizer.pieces(text).count + 2
    }
}

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
        vectors([text])[0]
    }

    /// The vectors of `texts`, in order, their windows encoded together in passes of at most `tokensPerPass` tokens:
    /// each layer's weights are read once per pass, not once per text (64 queries at once cost half as much each as
    /// one at a time). A vector may then differ in its last bits from the same text encoded alone, so this is for
    /// queries, never for the vectors a projection stores.
    public func vectors(_ texts: [String], tokensPerPass: Int = 2_048) -> [[Float]] {
        let window = Self.maximumTokens - 2
        var windows: [(text: Int, ids: [Int32])] = []
        for (index, text) in texts.enumerated() {
            let pieces = tokenizer.pieces(text)
            for start in stride(from: 0, to: max(pieces.count, 1), by: window) {
                let slice = pieces.isEmpty ? [] : pieces[start..<min(start + window, pieces.count)]
                windows.append((index, [tokenizer.classifierID] + slice + [tokenizer.separatorID]))
            }
        }
        var sums = [[Float]](repeating: [Float](repeating: 0, count: Self.dimension), count: texts.count)
        var start = 0
        while start < windows.count {
            var end = start, tokens = 0
            while end < windows.count, end == start || tokens + windows[end].ids.count <= tokensPerPass {
                tokens += windows[end].ids.count
                end += 1
            }
            let pass = windows[start..<end]
            for (window, sum) in zip(pass, encoder.tokenStateSums(pass.map(\.ids))) {
                for index in 0..<Self.dimension { sums[window.text][index] += sum[index] }
            }
            start = end
        }
        return sums.map(BertEncoder.unitLength)
    }

    /// How many tokens `text` is, with one `[CLS]` and `[SEP]` (a text over `maximumTokens` has a pair per window).
    public func tokenCount(_ text: String) -> Int {
        tokenizer.pieces(text).count + 2
    }
}

import COpenBLAS
import Foundation

/// The BERT encoder of `all-MiniLM-L6-v2` (6 layers, 384 wide, 12 heads, 1536 in the feed-forward layer), with
/// the sentence-transformers head: the mean of the token states, L2-normalised. Matrix products go through
/// OpenBLAS's `sgemm`; one call of `sentenceVector` uses one thread, so concurrent calls use the cores.
public struct BertEncoder: Sendable {
    /// The shape of the model.
    public struct Shape: Sendable, Equatable {
        public var width = 384
        public var layers = 6
        public var heads = 12
        public var feedForward = 1536
        public var positions = 512
        public var vocabulary = 30522
        public init() {}
    }

    private struct Layer: Sendable {
        /// Query, key and value weights as one width × (3 × width) matrix (inputs × outputs), and their biases; the
        /// other matrices are inputs × outputs too.
        var qkv: [Float], qkvBias: [Float]
        var attentionOut: [Float], attentionOutBias: [Float]
        var attentionNorm: [Float], attentionNormBias: [Float]
        var up: [Float], upBias: [Float]
        var down: [Float], downBias: [Float]
        var outputNorm: [Float], outputNormBias: [Float]
    }

    public let shape: Shape
    private let wordEmbeddings: [Float]
    private let positionEmbeddings: [Float]
    private let tokenTypeEmbedding: [Float]
    private let embeddingNorm: [Float], embeddingNormBias: [Float]
    private let layers: [Layer]
    private let epsilon: Float = 1e-12

    /// The encoder whose weights `tensors` holds under the names `transformers`' BertModel gives them.
    init(_ tensors: SafeTensors, shape: Shape = Shape()) throws(ModelError) {
        let width = shape.width
        self.shape = shape
        wordEmbeddings = try tensors.floats("embeddings.word_embeddings.weight", shape: [shape.vocabulary, width])
        positionEmbeddings = try tensors.floats("embeddings.position_embeddings.weight", shape: [shape.positions, width])
        tokenTypeEmbedding = Array(try tensors.floats("embeddings.token_type_embeddings.weight", shape: [2, width]).prefix(width))
        embeddingNorm = try tensors.floats("embeddings.LayerNorm.weight", shape: [width])
        embeddingNormBias = try tensors.floats("embeddings.LayerNorm.bias", shape: [width])
        var layers: [Layer] = []
        for index in 0..<shape.layers {
            let prefix = "encoder.layer.\(index)."
            func matrix(_ name: String, _ rows: Int, _ columns: Int) throws(ModelError) -> [Float] {
                try tensors.floats(prefix + name + ".weight", shape: [rows, columns])
            }
            func transposed(_ names: [String], _ rows: Int, _ columns: Int) throws(ModelError) -> [Float] {
                var stacked: [Float] = []
                for name in names { stacked += try matrix(name, rows, columns) }
                return Self.transposed(stacked, rows: rows * names.count, columns: columns)
            }
            func vector(_ name: String, _ count: Int) throws(ModelError) -> [Float] {
                try tensors.floats(prefix + name, shape: [count])
            }
            layers.append(Layer(
                qkv: try transposed(["attention.self.query", "attention.self.key", "attention.self.value"], width, width),
                qkvBias: try vector("attention.self.query.bias", width) + vector("attention.self.key.bias", width)
                    + vector("attention.self.value.bias", width),
                attentionOut: try transposed(["attention.output.dense"], width, width),
                attentionOutBias: try vector("attention.output.dense.bias", width),
                attentionNorm: try vector("attention.output.LayerNorm.weight", width),
                attentionNormBias: try vector("attention.output.LayerNorm.bias", width),
                up: try transposed(["intermediate.dense"], shape.feedForward, width),
                upBias: try vector("intermediate.dense.bias", shape.feedForward),
                down: try transposed(["output.dense"], width, shape.feedForward),
                downBias: try vector("output.dense.bias", width),
                outputNorm: try vector("output.LayerNorm.weight", width),
                outputNormBias: try vector("output.LayerNorm.bias", width)))
        }
        self.layers = layers
    }

    /// The unit-length sentence vector of one tokenized input (`[CLS] … [SEP]`, at most `shape.positions` ids, each
    /// below `shape.vocabulary`; an id outside it counts as `[UNK]`, 100).
    public func sentenceVector(_ ids: [Int32]) -> [Float] {
        Self.unitLength(tokenStateSum(ids))
    }

    /// The sum of the final token states of one input (`[CLS] … [SEP]`): divided by the token count it is the
    /// sentence-transformers mean pooling; summed over several windows it pools them all.
    public func tokenStateSum(_ ids: [Int32]) -> [Float] {
        tokenStateSums([ids])[0]
    }

    /// `tokenStateSum` of several inputs in one pass: their tokens are stacked, so each layer's weights are read
    /// (and packed by the BLAS) once for all of them; attention stays within each input.
    public func tokenStateSums(_ inputs: [[Int32]]) -> [[Float]] {
        let width = shape.width
        var spans: [Range<Int>] = []
        var total = 0
        for ids in inputs {
            let n = min(ids.count, shape.positions)
            spans.append(total..<(total + n))
            total += n
        }
        guard total > 0 else { return inputs.map { _ in [Float](repeating: 0, count: width) } }
        var hidden = [Float](repeating: 0, count: total * width)
        for (ids, span) in zip(inputs, spans) {
            for position in 0..<span.count {
                let raw = Int(ids[position])
                let id = (0..<shape.vocabulary).contains(raw) ? raw : 100
                let row = (span.lowerBound + position) * width
                for column in 0..<width {
                    hidden[row + column] = wordEmbeddings[id * width + column]
                        + positionEmbeddings[position * width + column] + tokenTypeEmbedding[column]
                }
            }
        }
        normalizeRows(&hidden, rows: total, weight: embeddingNorm, bias: embeddingNormBias)
        var scratch = Scratch(tokens: total, longest: spans.map(\.count).max() ?? 0, shape: shape)
        for layer in layers { apply(layer, to: &hidden, spans: spans, scratch: &scratch) }
        return spans.map { span in
            var sum = [Float](repeating: 0, count: width)
            for row in span {
                for column in 0..<width { sum[column] += hidden[row * width + column] }
            }
            return sum
        }
    }

    /// `vector` scaled to length 1 (a zero vector stays zero). Mean pooling's division by the token count is absorbed
    /// here: scaling does not change the direction.
    public static func unitLength(_ vector: [Float]) -> [Float] {
        let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return vector.map { $0 / norm }
    }

    /// Buffers a pass reuses from layer to layer.
    private struct Scratch {
        var qkv: [Float], scores: [Float], context: [Float], projected: [Float], up: [Float]
        init(tokens n: Int, longest: Int, shape: Shape) {
            qkv = [Float](repeating: 0, count: n * 3 * shape.width)
            scores = [Float](repeating: 0, count: longest * longest)
            context = [Float](repeating: 0, count: n * shape.width)
            projected = [Float](repeating: 0, count: n * shape.width)
            up = [Float](repeating: 0, count: n * shape.feedForward)
        }
    }

    private func apply(_ layer: Layer, to hidden: inout [Float], spans: [Range<Int>], scratch: inout Scratch) {
        let width = shape.width, headWidth = width / shape.heads
        let n = spans.last?.upperBound ?? 0
        linear(hidden, rows: n, inputs: width, weight: layer.qkv, bias: layer.qkvBias, outputs: 3 * width, into: &scratch.qkv)
        let scale = 1 / Float(headWidth).squareRoot()
        scratch.qkv.withUnsafeBufferPointer { qkv in
            for span in spans where !span.isEmpty {
                let tokens = span.count
                let base = qkv.baseAddress! + span.lowerBound * 3 * width
                for head in 0..<shape.heads {
                    let query = base + head * headWidth, key = base + width + head * headWidth
                    let value = base + 2 * width + head * headWidth
                    scratch.scores.withUnsafeMutableBufferPointer { scores in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(tokens), Int32(headWidth),
                                    scale, query, Int32(3 * width), key, Int32(3 * width), 0, scores.baseAddress, Int32(tokens))
                        for row in 0..<tokens { softmax(scores.baseAddress! + row * tokens, count: tokens) }
                        scratch.context.withUnsafeMutableBufferPointer { context in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(tokens), Int32(headWidth), Int32(tokens),
                                        1, scores.baseAddress, Int32(tokens), value, Int32(3 * width), 0,
                                        context.baseAddress! + span.lowerBound * width + head * headWidth, Int32(width))
                        }
                    }
                }
            }
        }
        linear(scratch.context, rows: n, inputs: width, weight: layer.attentionOut, bias: layer.attentionOutBias,
               outputs: width, into: &scratch.projected)
        for index in 0..<(n * width) { hidden[index] += scratch.projected[index] }
        normalizeRows(&hidden, rows: n, weight: layer.attentionNorm, bias: layer.attentionNormBias)

        linear(hidden, rows: n, inputs: width, weight: layer.up, bias: layer.upBias, outputs: shape.feedForward, into: &scratch.up)
        scratch.up.withUnsafeMutableBufferPointer { Self.gelu($0) }
        linear(scratch.up, rows: n, inputs: shape.feedForward, weight: layer.down, bias: layer.downBias, outputs: width,
               into: &scratch.projected)
        for index in 0..<(n * width) { hidden[index] += scratch.projected[index] }
        normalizeRows(&hidden, rows: n, weight: layer.outputNorm, bias: layer.outputNormBias)
    }

    /// `output = input · weight + bias`, `weight` being inputs × outputs (PyTorch's outputs × inputs, transposed
    /// once at load: the product then reads it in the order it is stored).
    ///
    /// A few rows (a query's tokens) are multiplied a band of output columns at a time, each band small enough
    /// (`smallProductSize`) for OpenBLAS's small-matrix kernel, which reads the weights where they are: the general
    /// kernel first copies ("packs") the whole weight matrix, and for a dozen rows that copy cost as much as the
    /// product. Many rows (a chunk, a batch of queries) go in one call, where packing pays for itself.
    private func linear(_ input: [Float], rows: Int, inputs: Int, weight: [Float], bias: [Float], outputs: Int,
                        into output: inout [Float]) {
        let band = rows * inputs * Self.narrowestBand > Self.smallProductSize
            ? outputs : max(Self.narrowestBand, min(outputs, Self.smallProductSize / max(rows * inputs, 1)))
        output.withUnsafeMutableBufferPointer { output in
            for row in 0..<rows {
                (output.baseAddress! + row * outputs).update(from: bias, count: outputs)
            }
            weight.withUnsafeBufferPointer { weight in
                for first in stride(from: 0, to: outputs, by: band) {
                    let columns = min(band, outputs - first)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns), Int32(inputs), 1,
                                input, Int32(inputs), weight.baseAddress! + first, Int32(outputs), 1,
                                output.baseAddress! + first, Int32(outputs))
                }
            }
        }
    }

    /// Rows × inputs × columns of one product call up to which OpenBLAS (0.3.x, x86-64 with AVX-512) uses its
    /// small-matrix kernel, with a margin: its limit is 100³.
    static let smallProductSize = 500_000
    /// Fewer output columns per call than this cost more in calls than packing saves.
    static let narrowestBand = 16

    /// `matrix` (rows × columns, row-major) transposed.
    static func transposed(_ matrix: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: matrix.count)
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = matrix[row * columns + column] }
        }
        return result
    }

    private func normalizeRows(_ values: inout [Float], rows: Int, weight: [Float], bias: [Float]) {
        let width = weight.count
        for row in 0..<rows {
            let start = row * width
            var mean: Float = 0
            for column in 0..<width { mean += values[start + column] }
            mean /= Float(width)
            var variance: Float = 0
            for column in 0..<width {
                let centred = values[start + column] - mean
                variance += centred * centred
            }
            let inverse = 1 / (variance / Float(width) + epsilon).squareRoot()
            for column in 0..<width {
                values[start + column] = (values[start + column] - mean) * inverse * weight[column] + bias[column]
            }
        }
    }

    private func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var largest = -Float.infinity
        for index in 0..<count { largest = max(largest, row[index]) }
        var sum: Float = 0
        for index in 0..<count {
            row[index] = expf(row[index] - largest)
            sum += row[index]
        }
        for index in 0..<count { row[index] /= sum }
    }

    /// BERT's GELU, `x · Φ(x)` with the error function (not the tanh approximation), of every value in place.
    ///
    /// `erf` is a rational function of z² (degrees 5 and 5) fitted to it on [−4, 4] by weighted least squares for
    /// this encoder: within 3.6e-7 of `erf` there in `Float`, and ±1 beyond (where `erf` is within 1.6e-8 of it). It
    /// has no library call, so the loop vectorises: `erff` for each value was a tenth of a query's embedding time.
    static func gelu(_ values: UnsafeMutableBufferPointer<Float>) {
        let a0: Float = 1.1283791582934017, a1: Float = 0.18841128267691085, a2: Float = 0.052448077592066815
        let a3: Float = 0.003674207414059669, a4: Float = 0.0002816971821908633, a5: Float = 2.0471970437906142e-06
        let b1: Float = 0.5003081922802252, b2: Float = 0.11325202805160023, b3: Float = 0.01478166769180791
        let b4: Float = 0.001138623051278107, b5: Float = 3.79035095615211e-05
        let inverseRoot2: Float = 0.70710678118654752
        for index in values.indices {
            let x = values[index]
            let z = min(max(x * inverseRoot2, -4), 4)
            let t = z * z
            let p = a0 + t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5))))
            let q = 1 + t * (b1 + t * (b2 + t * (b3 + t * (b4 + t * b5))))
            values[index] = 0.5 * x * (1 + z * p / q)
        }
    }
}

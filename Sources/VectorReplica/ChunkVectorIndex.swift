import CVectorDots
import KnowledgeBase
import Synchronization

/// The knowledge base's chunk vectors in memory, normalised, kept apart by part (each world's own chunks, the global
/// ones) as search reads them: the exact nearest neighbours of a query in a world and the global chunks, by cosine
/// distance. Pure: loading and refreshing are `ChunkVectorReplica`'s.
///
/// Each vector is also held in signed bytes (a scale and 127 steps either way, `ByteVector`), and a search first
/// compares those: a quarter of the memory to read (the 10,000 global chunks of 384 components are 3.8 MB rather
/// than 15 MB, which every search reads), integer products the CPU does many at a time (`annals_int8_dots`). Every row
/// whose byte similarity, widened by its bound on the rounding error, could still reach the `limit`-th best is then
/// compared in `Float`: the answer is the exact one, every true neighbour found. Memory is 5 bytes per component
/// (192 MB for 100,000 chunks of 384).
public struct ChunkVectorIndex: Sendable {
    /// Components per vector.
    public let dimension: Int
    /// Changes with every change of the contents, and differs between indexes: two copies with the same generation
    /// hold the same vectors.
    public private(set) var generation = Self.nextGeneration()
    /// Rows by part: a world's id, or nil for the global chunks.
    private var parts: [String?: PartRows] = [:]
    /// Each document's part and chunk ordinals, to take its rows out when it is replaced.
    private var documents: [String: (worldID: String?, ordinals: [Int])] = [:]

    /// One part's chunks: `vectors` holds row `i`'s components at `i * dimension ..< (i + 1) * dimension`, `codes`
    /// the same in bytes, with `scales[i]` and `masses[i]` (`ByteVector`).
    fileprivate struct PartRows: Sendable {
        var chunks: [ChunkID] = []
        var vectors: [Float] = []
        var codes: [Int8] = []
        var scales: [Float] = []
        var masses: [Float] = []
        var rowOf: [ChunkID: Int] = [:]
    }

    public init(dimension: Int) {
        self.dimension = dimension
    }

    private static let generations = Atomic<UInt64>(0)
    private static func nextGeneration() -> UInt64 { generations.add(1, ordering: .relaxed).newValue }

    /// How many chunks are held (chunks with an all-zero vector are not: they have no direction).
    public var chunkCount: Int { parts.values.reduce(0) { $0 + $1.chunks.count } }

    /// How many documents are held.
    public var documentCount: Int { documents.count }

    /// Sets `documentID`'s chunks to `chunks`, in `worldID` (nil: global), replacing whatever it had. Throws when a
    /// vector has another number of components than `dimension`, and then changes nothing.
    public mutating func replace(document documentID: String, worldID: String?,
                                 chunks: [(ordinal: Int, vector: [Float])]) throws(ChunkVectorIndexError) {
        if let wrong = chunks.first(where: { $0.vector.count != dimension }) {
            throw .dimensionMismatch(index: dimension, vector: wrong.vector.count)
        }
        remove(document: documentID)
        generation = Self.nextGeneration()
        var kept: [Int] = []
        for chunk in chunks {
            guard let unit = Self.normalised(chunk.vector) else { continue }
            let id = ChunkID(documentID: documentID, ordinal: chunk.ordinal)
            parts[worldID, default: PartRows()].append(id, unit)
            kept.append(chunk.ordinal)
        }
        documents[documentID] = (worldID, kept)
    }

    /// Takes `documentID`'s chunks out; nothing when it has none.
    public mutating func remove(document documentID: String) {
        guard let held = documents.removeValue(forKey: documentID) else { return }
        generation = Self.nextGeneration()
        for ordinal in held.ordinals {
            parts[held.worldID]?.remove(ChunkID(documentID: documentID, ordinal: ordinal), dimension: dimension)
        }
        if parts[held.worldID]?.chunks.isEmpty == true { parts[held.worldID] = nil }
    }

    /// The `limit` chunks of `worldID`'s own and the global ones (only the global ones when `worldID` is nil)
    /// nearest to `query` by cosine distance (`score`, 1 − cosine similarity, as pgvector's `<=>`), nearest first,
    /// equal distances in chunk order. Empty for an all-zero query, which has no direction.
    public func nearest(to query: [Float], worldID: String?, limit: Int) throws(ChunkVectorIndexError) -> [ScoredChunk] {
        try nearest([NearestQuery(vector: query, worldID: worldID, limit: limit)])[0]
    }

    /// `nearest(to:worldID:limit:)` of several queries at once: the global chunks, which every query reads, are
    /// compared with all of them in one pass over their vectors, read once, not once per query.
    public func nearest(_ queries: [NearestQuery]) throws(ChunkVectorIndexError) -> [[ScoredChunk]] {
        if let wrong = queries.first(where: { $0.vector.count != dimension }) {
            throw .dimensionMismatch(index: dimension, vector: wrong.vector.count)
        }
        var best = queries.map { TopSimilarities(limit: max($0.limit, 0)) }
        let units = queries.map { $0.limit > 0 ? Self.normalised($0.vector).map(SearchedVector.init) : nil }
        for (number, query) in queries.enumerated() {
            guard let unit = units[number], let world = query.worldID, let rows = parts[world] else { continue }
            rows.nearest(to: [unit], limits: [query.limit], dimension: dimension) { _, chunk, similarity in
                best[number].offer(chunk, similarity)
            }
        }
        let directed = units.indices.filter { units[$0] != nil }
        if let rows = parts[nil], !directed.isEmpty {
            rows.nearest(to: directed.map { units[$0]! }, limits: directed.map { queries[$0].limit },
                         dimension: dimension) { column, chunk, similarity in
                best[directed[column]].offer(chunk, similarity)
            }
        }
        return best.map { $0.ranked.map { ScoredChunk(chunk: $0.chunk, score: 1 - Double($0.similarity)) } }
    }

    /// `vector` scaled to length 1, nil when it is all zeros (or not finite).
    static func normalised(_ vector: [Float]) -> [Float]? {
        let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return vector.map { $0 / norm }
    }
}

/// One query of `ChunkVectorIndex.nearest(_:)`.
public struct NearestQuery: Sendable, Equatable {
    public var vector: [Float]
    /// The world whose own chunks are searched besides the global ones; nil for the global ones alone.
    public var worldID: String?
    public var limit: Int

    public init(vector: [Float], worldID: String?, limit: Int) {
        self.vector = vector
        self.worldID = worldID
        self.limit = limit
    }
}

/// Why `ChunkVectorIndex` refused a vector.
public enum ChunkVectorIndexError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(index: Int, vector: Int)

    public var description: String {
        switch self {
        case .dimensionMismatch(let index, let vector):
            "a vector of \(vector) components for an index of \(index)"
        }
    }
}

extension ChunkVectorIndex.PartRows {
    mutating func append(_ chunk: ChunkID, _ unit: [Float]) {
        let bytes = ByteVector(unit)
        if let row = rowOf[chunk] {  // the same ordinal twice in one document: the later one wins
            vectors.replaceSubrange(row * unit.count ..< (row + 1) * unit.count, with: unit)
            codes.replaceSubrange(row * unit.count ..< (row + 1) * unit.count, with: bytes.codes)
            (scales[row], masses[row]) = (bytes.scale, bytes.mass)
            return
        }
        rowOf[chunk] = chunks.count
        chunks.append(chunk)
        vectors.append(contentsOf: unit)
        codes.append(contentsOf: bytes.codes)
        scales.append(bytes.scale)
        masses.append(bytes.mass)
    }

    /// Takes `chunk`'s row out by moving the last row into its place.
    mutating func remove(_ chunk: ChunkID, dimension: Int) {
        guard let row = rowOf.removeValue(forKey: chunk) else { return }
        let last = chunks.count - 1
        if row != last {
            let moved = chunks[last]
            chunks[row] = moved
            rowOf[moved] = row
            for component in 0..<dimension {
                vectors[row * dimension + component] = vectors[last * dimension + component]
                codes[row * dimension + component] = codes[last * dimension + component]
            }
            (scales[row], masses[row]) = (scales[last], masses[last])
        }
        chunks.removeLast()
        vectors.removeLast(dimension)
        codes.removeLast(dimension)
        scales.removeLast()
        masses.removeLast()
    }

    /// Calls `body` with each query's number among `queries`, and the chunks that may be among its `limits[number]`
    /// most similar rows, each with its exact cosine similarity (both are unit vectors: their dot product), the true
    /// most similar all among them.
    ///
    /// The byte products of every row and query come first, in one pass over the rows. For each query, `threshold` is
    /// the `limit`-th largest of the rows' lowest possible similarity (byte similarity minus its error bound): the
    /// `limit` most similar are at least that. A row whose highest possible similarity falls short of it cannot be
    /// among them; every other row is compared exactly.
    func nearest(to queries: [SearchedVector], limits: [Int], dimension: Int,
                 _ body: (_ query: Int, ChunkID, _ similarity: Float) -> Void) {
        let rows = chunks.count
        guard rows > 0, !queries.isEmpty else { return }
        let stacked = Array(queries.map(\.bytes.codes).joined())
        let products = [Int32](unsafeUninitializedCapacity: rows * queries.count) { buffer, count in
            codes.withUnsafeBufferPointer { codes in
                stacked.withUnsafeBufferPointer { stacked in
                    annals_int8_dots(codes.baseAddress, rows, stacked.baseAddress, queries.count, dimension, buffer.baseAddress)
                }
            }
            count = rows * queries.count
        }
        for (number, query) in queries.enumerated() {
            let limit = limits[number]
            guard limit > 0 else { continue }
            products.withUnsafeBufferPointer { products in
                scales.withUnsafeBufferPointer { scales in
                    masses.withUnsafeBufferPointer { masses in
                        let first = number * rows
                        func similarity(_ row: Int) -> (bytes: Float, bound: Float) {
                            (Float(products[first + row]) * query.bytes.scale * scales[row],
                             query.bytes.errorBound(against: scales[row], mass: masses[row], dimension: dimension))
                        }
                        var lowest = LargestValues(limit: limit)
                        if rows > limit {
                            for row in 0..<rows {
                                let (bytes, bound) = similarity(row)
                                lowest.offer(bytes - bound)
                            }
                        }
                        let threshold = lowest.smallest
                        for row in 0..<rows {
                            let (bytes, bound) = similarity(row)
                            if bytes + bound >= threshold {
                                body(number, chunks[row], dot(query.unit, row: row, dimension: dimension))
                            }
                        }
                    }
                }
            }
        }
    }

    /// The dot product of `unit` and row `row`'s vector, eight components at a time.
    private func dot(_ unit: [Float], row: Int, dimension: Int) -> Float {
        unit.withUnsafeBufferPointer { unit in
            vectors.withUnsafeBufferPointer { vectors in
                let a = UnsafeRawPointer(unit.baseAddress!), b = UnsafeRawPointer(vectors.baseAddress! + row * dimension)
                let stride = MemoryLayout<Float>.stride
                var lanes = SIMD8<Float>()
                var component = 0
                while component + 8 <= dimension {
                    lanes += a.loadUnaligned(fromByteOffset: component * stride, as: SIMD8<Float>.self)
                        * b.loadUnaligned(fromByteOffset: component * stride, as: SIMD8<Float>.self)
                    component += 8
                }
                var sum = lanes.sum()
                while component < dimension {
                    sum += unit[component] * vectors[row * dimension + component]
                    component += 1
                }
                return sum
            }
        }
    }
}

/// A query's unit vector, and in bytes.
struct SearchedVector {
    let unit: [Float]
    let bytes: ByteVector

    init(_ unit: [Float]) {
        self.unit = unit
        bytes = ByteVector(unit)
    }
}

/// A unit vector in signed bytes: component `i` ≈ `scale` × `codes[i]`, the largest component at ±127, each off by
/// at most `scale` / 2. `mass` is Σ |`scale` × `codes[i]`|.
struct ByteVector: Equatable {
    let codes: [Int8]
    let scale: Float
    let mass: Float

    init(_ unit: [Float]) {
        let largest = unit.reduce(Float(0)) { max($0, abs($1)) }
        let scale = largest > 0 ? largest / 127 : 1
        codes = unit.map { Int8(max(-127, min(127, ($0 / scale).rounded()))) }
        self.scale = scale
        mass = codes.reduce(Float(0)) { $0 + abs(Float($1)) } * scale
    }

    /// The most the byte similarity (`scale` × `other scale` × Σ codes · other codes) can differ from the dot product
    /// of the two unit vectors: with u = s·c + e and v = t·d + f (|e| ≤ s/2, |f| ≤ t/2 per component),
    /// |u·v − s·t·c·d| ≤ (t/2)·Σ|s·c| + (s/2)·Σ|t·d| + n·s·t/4, plus room for `Float` rounding in both sums.
    func errorBound(against otherScale: Float, mass otherMass: Float, dimension: Int) -> Float {
        otherScale / 2 * mass + scale / 2 * otherMass + Float(dimension) * scale * otherScale / 4 + Self.roundingRoom
    }

    /// Rounding of a `Float` dot product of two unit vectors of a few thousand components is far below this.
    static let roundingRoom: Float = 1e-4
}

/// The `limit` largest values offered.
struct LargestValues {
    let limit: Int
    private var values: [Float] = []

    init(limit: Int) {
        self.limit = limit
        values.reserveCapacity(limit + 1)
    }

    /// The smallest of the values kept (−∞ while none is).
    var smallest: Float { values.last ?? -.infinity }

    mutating func offer(_ value: Float) {
        if values.count == limit, value <= smallest { return }
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] >= value { low = middle + 1 } else { high = middle }
        }
        values.insert(value, at: low)
        if values.count > limit { values.removeLast() }
    }
}

/// The `limit` most similar chunks offered, most similar first, equal similarities in chunk order.
struct TopSimilarities {
    let limit: Int
    private(set) var ranked: [(chunk: ChunkID, similarity: Float)] = []

    init(limit: Int) {
        self.limit = limit
        ranked.reserveCapacity(limit + 1)
    }

    mutating func offer(_ chunk: ChunkID, _ similarity: Float) {
        if ranked.count == limit, let last = ranked.last, !Self.precedes((chunk, similarity), last) { return }
        var low = 0, high = ranked.count
        while low < high {
            let middle = (low + high) / 2
            if Self.precedes(ranked[middle], (chunk, similarity)) { low = middle + 1 } else { high = middle }
        }
        ranked.insert((chunk, similarity), at: low)
        if ranked.count > limit { ranked.removeLast() }
    }

    private static func precedes(_ a: (chunk: ChunkID, similarity: Float), _ b: (chunk: ChunkID, similarity: Float)) -> Bool {
        a.similarity != b.similarity ? a.similarity > b.similarity : a.chunk < b.chunk
    }
}

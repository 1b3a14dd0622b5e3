import COpenBLAS
import KnowledgeBase
import Synchronization

/// The knowledge base's chunk vectors in memory, normalised, kept apart by part (each world's own chunks, the global
/// ones) as search reads them: the exact nearest neighbours of a query in a world and the global chunks, by cosine
/// distance, one matrix-vector product per part (OpenBLAS `sgemv`). Pure: loading and refreshing are
/// `ChunkVectorReplica`'s.
///
/// Exact search costs a multiply-add per stored component: at 384 dimensions a world of 1,000 chunks takes tens of
/// microseconds and 10,000 global chunks about half a millisecond, less than PostgreSQL's HNSW scan of them, with
/// every true neighbour found. Memory is 4 bytes per component (154 MB for 100,000 chunks of 384).
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

    /// One part's chunks: `vectors` holds row `i`'s components at `i * dimension ..< (i + 1) * dimension`.
    fileprivate struct PartRows: Sendable {
        var chunks: [ChunkID] = []
        var vectors: [Float] = []
        var rowOf: [ChunkID: Int] = [:]
    }

    public init(dimension: Int) {
        self.dimension = dimension
        _ = Self.oneThreadPerProduct
    }

    private static let generations = Atomic<UInt64>(0)
    private static func nextGeneration() -> UInt64 { generations.add(1, ordering: .relaxed).newValue }

    /// OpenBLAS runs each product on one thread: concurrent searches are what spread over the cores, and its own
    /// threads spin while they wait (with two of them per product, 16 concurrent searches on 2 cores ran slower than
    /// the database's HNSW scans).
    private static let oneThreadPerProduct: Void = openblas_set_num_threads(1)

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
    /// compared with all of them in one matrix product (`sgemm`), so their vectors are read once, not once per query.
    public func nearest(_ queries: [NearestQuery]) throws(ChunkVectorIndexError) -> [[ScoredChunk]] {
        if let wrong = queries.first(where: { $0.vector.count != dimension }) {
            throw .dimensionMismatch(index: dimension, vector: wrong.vector.count)
        }
        var best = queries.map { TopSimilarities(limit: max($0.limit, 0)) }
        let units = queries.map { $0.limit > 0 ? Self.normalised($0.vector) : nil }
        for (number, query) in queries.enumerated() {
            guard let unit = units[number], let world = query.worldID, let rows = parts[world] else { continue }
            rows.similarities(to: [unit], dimension: dimension) { row, _, similarity in
                best[number].offer(rows.chunks[row], similarity)
            }
        }
        let directed = units.indices.filter { units[$0] != nil }
        if let rows = parts[nil], !directed.isEmpty {
            rows.similarities(to: directed.map { units[$0]! }, dimension: dimension) { row, column, similarity in
                best[directed[column]].offer(rows.chunks[row], similarity)
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
        if let row = rowOf[chunk] {  // the same ordinal twice in one document: the later one wins
            vectors.replaceSubrange(row * unit.count ..< (row + 1) * unit.count, with: unit)
            return
        }
        rowOf[chunk] = chunks.count
        chunks.append(chunk)
        vectors.append(contentsOf: unit)
    }

    /// Takes `chunk`'s row out by moving the last row into its place.
    mutating func remove(_ chunk: ChunkID, dimension: Int) {
        guard let row = rowOf.removeValue(forKey: chunk) else { return }
        let last = chunks.count - 1
        if row != last {
            let moved = chunks[last]
            chunks[row] = moved
            rowOf[moved] = row
            for component in 0..<dimension { vectors[row * dimension + component] = vectors[last * dimension + component] }
        }
        chunks.removeLast()
        vectors.removeLast(dimension)
    }

    /// Calls `body` with every row, every unit's number among `units`, and the row's cosine similarity to that unit
    /// (both normalised: their dot product). One unit: a matrix-vector product; more: one matrix product.
    func similarities(to units: [[Float]], dimension: Int, _ body: (_ row: Int, _ unit: Int, Float) -> Void) {
        let (rows, columns) = (chunks.count, units.count)
        let stacked = units.count == 1 ? units[0] : Array(units.joined())
        let scores = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, count in
            vectors.withUnsafeBufferPointer { matrix in
                stacked.withUnsafeBufferPointer { queries in
                    if columns == 1 {
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(rows), blasint(dimension), 1,
                                    matrix.baseAddress, blasint(dimension), queries.baseAddress, 1, 0, buffer.baseAddress, 1)
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(columns), blasint(dimension), 1,
                                    matrix.baseAddress, blasint(dimension), queries.baseAddress, blasint(dimension), 0,
                                    buffer.baseAddress, blasint(columns))
                    }
                }
            }
            count = rows * columns
        }
        for row in 0..<rows {
            for column in 0..<columns { body(row, column, scores[row * columns + column]) }
        }
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

import KnowledgeBase
import Testing
@testable import VectorReplica

/// The in-memory exact search against a plain double-precision one computed here, and its bookkeeping as documents
/// are replaced, moved and removed.
@Suite struct ChunkVectorIndexTests {
    /// A document of the reference: its world and its chunks' vectors.
    struct Document {
        var id: String
        var world: String?
        var vectors: [[Float]]
    }

    /// Reproducible vectors with components in -1...1.
    struct Vectors: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        mutating func vector(_ dimension: Int) -> [Float] { (0..<dimension).map { _ in Float.random(in: -1...1, using: &self) } }
    }

    /// The exact answer, as pgvector's `<=>` defines it, sorted as search sorts (distance, then chunk).
    static func reference(_ documents: [String: Document], query: [Float], world: String?, limit: Int) -> [ScoredChunk] {
        func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
        var scored: [ScoredChunk] = []
        for document in documents.values where document.world == nil || document.world == world {
            for (ordinal, vector) in document.vectors.enumerated() where norm(vector) > 0 {
                let dot = zip(vector, query).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                scored.append(ScoredChunk(chunk: ChunkID(documentID: document.id, ordinal: ordinal),
                                          score: 1 - dot / (norm(vector) * norm(query))))
            }
        }
        return Array(scored.sorted { ($0.score, $0.chunk) < ($1.score, $1.chunk) }.prefix(limit))
    }

    static func insert(_ document: Document, into index: inout ChunkVectorIndex) throws {
        try index.replace(document: document.id, worldID: document.world,
                          chunks: document.vectors.enumerated().map { ($0.offset, $0.element) })
    }

    static func expectSame(_ found: [ScoredChunk], _ expected: [ScoredChunk], _ comment: Comment) {
        #expect(found.map(\.chunk) == expected.map(\.chunk), comment)
        for (a, b) in zip(found, expected) { #expect(abs(a.score - b.score) < 1e-5, comment) }
    }

    @Test func findsExactlyTheNearestOfAWorldAndTheGlobalChunks() throws {
        var random = Vectors(state: 7)
        let worlds: [String?] = ["emberfall", "saltmarsh", "cindermoor", nil]
        var documents: [String: Document] = [:]
        var index = ChunkVectorIndex(dimension: 24)
        for number in 0..<300 {
            let document = Document(id: "doc-\(number)", world: worlds[number % worlds.count],
                                    vectors: (0..<(1 + number % 4)).map { _ in random.vector(24) })
            documents[document.id] = document
            try Self.insert(document, into: &index)
        }
        #expect(index.chunkCount == documents.values.reduce(0) { $0 + $1.vectors.count })
        for _ in 0..<8 {
            let query = random.vector(24)
            for world in worlds {
                let reference = Self.reference(documents, query: query, world: world, limit: 1_000)
                for limit in [1, 10, 40, 1_000] {
                    Self.expectSame(try index.nearest(to: query, worldID: world, limit: limit), Array(reference.prefix(limit)),
                                    "\(world ?? "global") k=\(limit)")
                }
            }
        }
    }

    @Test func queriesTogetherGetWhatEachGetsAlone() throws {
        var random = Vectors(state: 5)
        var index = ChunkVectorIndex(dimension: 16)
        for number in 0..<200 {
            try index.replace(document: "doc-\(number)", worldID: number % 3 == 0 ? nil : "w\(number % 3)",
                              chunks: [(0, random.vector(16)), (1, random.vector(16))])
        }
        let queries = (0..<12).map { number in
            NearestQuery(vector: number == 5 ? [Float](repeating: 0, count: 16) : random.vector(16),
                         worldID: [nil, "w1", "w2", "nowhere"][number % 4], limit: [10, 40, 0, 400][number % 4])
        }
        let together = try index.nearest(queries)
        for (query, found) in zip(queries, together) {
            Self.expectSame(found, try index.nearest(to: query.vector, worldID: query.worldID, limit: query.limit), "\(query.worldID ?? "global")")
        }
        #expect(together[5].isEmpty && together[2].isEmpty, "no direction; no limit")
    }

    @Test func aPassAnswersEachQueryFromItsOwnIndexAndRefusesOnlyTheWrongOnes() throws {
        var first = ChunkVectorIndex(dimension: 2)
        try first.replace(document: "a", worldID: nil, chunks: [(0, [1, 0])])
        var second = first
        try second.replace(document: "b", worldID: nil, chunks: [(0, [0, 1])])
        #expect(first.generation != second.generation)
        let answers = NearestBatcher.answer([
            (first, NearestQuery(vector: [0, 1], worldID: nil, limit: 1)),
            (second, NearestQuery(vector: [0, 1], worldID: nil, limit: 1)),
            (second, NearestQuery(vector: [0, 1, 0], worldID: nil, limit: 1)),
        ])
        #expect(try answers[0].get().map(\.chunk.documentID) == ["a"])
        #expect(try answers[1].get().map(\.chunk.documentID) == ["b"])
        #expect(throws: ChunkVectorIndexError.dimensionMismatch(index: 2, vector: 3)) { try answers[2].get() }
    }

    @Test func aReplacedMovedOrRemovedDocumentLeavesNothingBehind() throws {
        var random = Vectors(state: 11)
        var documents: [String: Document] = [:]
        var index = ChunkVectorIndex(dimension: 8)
        for number in 0..<40 {
            let document = Document(id: "doc-\(number)", world: number.isMultiple(of: 2) ? "emberfall" : nil,
                                    vectors: (0..<3).map { _ in random.vector(8) })
            documents[document.id] = document
            try Self.insert(document, into: &index)
        }
        // A new version with fewer chunks, a document moved to another world, one removed from the middle of its
        // part's rows (the last row takes its place), and one made global.
        documents["doc-4"]?.vectors = [random.vector(8)]
        documents["doc-6"]?.world = "saltmarsh"
        documents["doc-9"]?.world = nil
        documents["doc-8"]?.world = nil
        for id in ["doc-4", "doc-6", "doc-8", "doc-9"] { try Self.insert(documents[id]!, into: &index) }
        index.remove(document: "doc-10")
        documents["doc-10"] = nil
        index.remove(document: "no-such-document")

        #expect(index.documentCount == documents.count)
        #expect(index.chunkCount == documents.values.reduce(0) { $0 + $1.vectors.count })
        for _ in 0..<10 {
            let query = random.vector(8)
            for world: String? in ["emberfall", "saltmarsh", nil] {
                Self.expectSame(try index.nearest(to: query, worldID: world, limit: 200),
                                Self.reference(documents, query: query, world: world, limit: 200), "\(world ?? "global")")
            }
        }
    }

    @Test func zeroVectorsHaveNoDirectionAndAreNotHeld() throws {
        var index = ChunkVectorIndex(dimension: 3)
        try index.replace(document: "d", worldID: nil, chunks: [(0, [0, 0, 0]), (1, [1, 0, 0])])
        #expect(index.chunkCount == 1)
        #expect(try index.nearest(to: [0, 0, 0], worldID: nil, limit: 5).isEmpty)
        #expect(try index.nearest(to: [2, 0, 0], worldID: nil, limit: 5) == [ScoredChunk(chunk: ChunkID(documentID: "d", ordinal: 1), score: 0)])
        #expect(try index.nearest(to: [1, 0, 0], worldID: nil, limit: 0).isEmpty)
    }

    @Test func equalDistancesComeInChunkOrder() throws {
        var index = ChunkVectorIndex(dimension: 2)
        for id in ["dup-b", "dup-a", "dup-c"] { try index.replace(document: id, worldID: "w", chunks: [(0, [3, 4]), (1, [0, 1])]) }
        let found = try index.nearest(to: [3, 4], worldID: "w", limit: 4).map(\.chunk.description)
        #expect(found == ["dup-a#0", "dup-b#0", "dup-c#0", "dup-a#1"])
    }

    /// The byte similarity of two unit vectors, as the index computes it before comparing exactly.
    static func byteSimilarity(_ a: ByteVector, _ b: ByteVector) -> Float {
        Float(zip(a.codes, b.codes).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }) * a.scale * b.scale
    }

    static func unit(_ v: [Float]) -> [Float] { ChunkVectorIndex.normalised(v)! }

    @Test(arguments: [3, 384, 1024]) func theByteSimilarityIsWithinItsBoundOfTheExactOne(dimension: Int) {
        var random = Vectors(state: UInt64(dimension))
        var shapes: [[Float]] = (0..<200).map { _ in random.vector(dimension) }
        shapes.append((0..<dimension).map { $0 == 0 ? 1 : 0 })                    // one component
        shapes.append([Float](repeating: 1, count: dimension))                      // all equal
        shapes.append((0..<dimension).map { $0 == 1 ? 50 : ($0 % 2 == 0 ? 0.01 : -0.01) })  // one large, the rest tiny
        shapes.append((0..<dimension).map { Float($0 % 7) - 3.49 })                 // every component half a step off
        let vectors = shapes.map { (unit: Self.unit($0), bytes: ByteVector(Self.unit($0))) }
        var widest: Double = 0
        for a in vectors {
            for b in vectors.prefix(60) {
                let exact = zip(a.unit, b.unit).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                let error = abs(exact - Double(Self.byteSimilarity(a.bytes, b.bytes)))
                let bound = Double(a.bytes.errorBound(against: b.bytes.scale, mass: b.bytes.mass, dimension: dimension))
                #expect(error <= bound, "exact \(exact), off by \(error), bound \(bound)")
                widest = max(widest, error / bound)
            }
        }
        #expect(widest > 0.01, "the bound is not so loose that it proves nothing: \(widest)")
    }

    /// Rows so alike that their bytes rank them the other way round from their exact similarities: the index still
    /// answers the exact order (comparing by bytes alone, it would not).
    @Test func neighboursTheBytesRankTheWrongWayAreStillFoundInTheirExactOrder() throws {
        let dimension = 384
        var random = Vectors(state: 7)
        let query = Self.unit(random.vector(dimension))
        let queryBytes = ByteVector(query)
        var swapped: (better: [Float], worse: [Float])?
        for _ in 0..<20_000 where swapped == nil {
            let base = random.vector(dimension)
            let a = Self.unit(zip(base, query).map { $0 * 0.2 + $1 }), b = Self.unit(a.map { $0 + Float.random(in: -0.002...0.002, using: &random) })
            let exactA = zip(a, query).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            let exactB = zip(b, query).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            let bytesA = Self.byteSimilarity(ByteVector(a), queryBytes), bytesB = Self.byteSimilarity(ByteVector(b), queryBytes)
            guard abs(exactA - exactB) > 1e-5, (exactA > exactB) != (bytesA > bytesB), bytesA != bytesB else { continue }
            swapped = exactA > exactB ? (a, b) : (b, a)
        }
        let pair = try #require(swapped, "no pair the bytes rank the wrong way round in 20,000 tries")
        var index = ChunkVectorIndex(dimension: dimension)
        try index.replace(document: "worse", worldID: nil, chunks: [(0, pair.worse)])
        try index.replace(document: "better", worldID: nil, chunks: [(0, pair.better)])
        let others = (0..<500).map { (ordinal: $0, vector: random.vector(dimension)) }
        try index.replace(document: "others", worldID: nil, chunks: others)
        #expect(try index.nearest(to: query, worldID: nil, limit: 1).map(\.chunk.documentID) == ["better"])
        #expect(try index.nearest(to: query, worldID: nil, limit: 2).map(\.chunk.documentID) == ["better", "worse"])
    }

    @Test func vectorsOfAnotherDimensionAreRefusedAndChangeNothing() throws {
        var index = ChunkVectorIndex(dimension: 3)
        try index.replace(document: "d", worldID: nil, chunks: [(0, [1, 0, 0])])
        #expect(throws: ChunkVectorIndexError.dimensionMismatch(index: 3, vector: 2)) {
            try index.replace(document: "d", worldID: nil, chunks: [(0, [0, 1, 0]), (1, [1, 0])])
        }
        #expect(throws: ChunkVectorIndexError.dimensionMismatch(index: 3, vector: 4)) {
            try index.nearest(to: [1, 0, 0, 0], worldID: nil, limit: 1)
        }
        #expect(try index.nearest(to: [1, 0, 0], worldID: nil, limit: 1).map(\.score) == [0])
    }
}

/// Knobs of the knowledge-base projection. Changing the dimension or the chunking changes the tables: replay.
public struct KnowledgeBaseSettings: Sendable, Equatable {
    /// Embedding dimension; the table's `vector(d)` column must match.
    public var dimension: Int
    public var chunking: ChunkingSettings
    /// HNSW graph degree.
    public var hnswM: Int
    /// HNSW build-time candidate list size.
    public var hnswEfConstruction: Int
    /// The global chunks' own HNSW index (`chunks_global_embedding`) is built finer: every query reads it, and it
    /// holds a share of the chunks only. At 100,000 chunks (10% global) m 24 / ef_construction 128 took recall@10 at
    /// ef_search 100 from 0.936 to 0.973 for 2 s more of index build.
    public var globalHnswM = 24
    public var globalHnswEfConstruction = 128

    /// The largest dimension whose vectors a world's covering index (`chunks_world_vectors`) holds. A B-tree entry
    /// must fit in a third of a page (2,704 bytes): a world id and a document id of up to 200 bytes each, the
    /// ordinal and the headers take 436, leaving 2,268 for the vector's 8 + 4 × dimension bytes, so up to 565; 512
    /// (MiniLM's 384, Bedrock's 256 and 512) with a margin. Larger vectors are read from the table instead.
    public static let worldVectorIndexMaxDimension = 512

    /// Whether a world's vectors get the covering index at this dimension.
    public var indexesWorldVectors: Bool { dimension <= Self.worldVectorIndexMaxDimension }

    public init(dimension: Int = 384, chunking: ChunkingSettings = .init(), hnswM: Int = 16, hnswEfConstruction: Int = 64) {
        self.dimension = dimension
        self.chunking = chunking
        self.hnswM = hnswM
        self.hnswEfConstruction = hnswEfConstruction
    }
}

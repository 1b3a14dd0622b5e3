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

    public init(dimension: Int = 384, chunking: ChunkingSettings = .init(), hnswM: Int = 16, hnswEfConstruction: Int = 64) {
        self.dimension = dimension
        self.chunking = chunking
        self.hnswM = hnswM
        self.hnswEfConstruction = hnswEfConstruction
    }
}

/// Knobs of the knowledge-base projection. Changing the dimension or the chunking changes the tables: replay.
public struct KnowledgeBaseSettings: Sendable, Equatable {
    /// Embedding dimension; the table's `vector(d)` column must match.
    public var dimension: Int
    public var chunking: ChunkingSettings
    /// HNSW graph degree.
    public var hnswM: Int
    /// HNSW build-time candidate list size.
    public var hnswEfConstruction: Int

    public init(dimension: Int = 384, chunking: ChunkingSettings = .init(), hnswM: Int = 16, hnswEfConstruction: Int = 64) {
        self.dimension = dimension
        self.chunking = chunking
        self.hnswM = hnswM
        self.hnswEfConstruction = hnswEfConstruction
    }
}

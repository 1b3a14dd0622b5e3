/// A chunk one search method found, with that method's own score; `KnowledgeBaseSearch` fuses them into hits.
public struct SearchCandidate: Sendable, Equatable {
    public var chunk: ChunkID
    public var version: Int64
    public var title: String
    /// nil for a global document.
    public var worldID: String?
    public var headingPath: [String]
    public var text: String
    /// Vector candidates: cosine distance (smaller is nearer). Full-text candidates: `ts_rank_cd` (larger is better).
    public var score: Double

    public init(chunk: ChunkID, version: Int64, title: String, worldID: String?, headingPath: [String], text: String,
                score: Double) {
        self.chunk = chunk
        self.version = version
        self.title = title
        self.worldID = worldID
        self.headingPath = headingPath
        self.text = text
        self.score = score
    }
}

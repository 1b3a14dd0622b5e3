/// A chunk one search method found, with that method's own score and without its text: what each method's query
/// returns. Vector candidates score by cosine distance (smaller is nearer), full-text ones by `ts_rank_cd` (larger
/// is better).
public struct ScoredChunk: Sendable, Equatable {
    public var chunk: ChunkID
    public var score: Double

    public init(chunk: ChunkID, score: Double) {
        self.chunk = chunk
        self.score = score
    }
}

/// What a search shows of a chunk besides its id: fetched for the hits alone, after fusion.
public struct ChunkDetails: Sendable, Equatable {
    public var version: Int64
    public var title: String
    /// nil for a global document.
    public var worldID: String?
    public var headingPath: [String]
    public var text: String

    public init(version: Int64, title: String, worldID: String?, headingPath: [String], text: String) {
        self.version = version
        self.title = title
        self.worldID = worldID
        self.headingPath = headingPath
        self.text = text
    }
}

/// A chunk one search method found, with that method's own score and the chunk's details.
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

    init(_ scored: ScoredChunk, _ details: ChunkDetails) {
        self.init(chunk: scored.chunk, version: details.version, title: details.title, worldID: details.worldID,
                  headingPath: details.headingPath, text: details.text, score: scored.score)
    }
}

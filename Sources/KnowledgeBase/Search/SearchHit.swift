/// One chunk found by a search, with how each method ranked it.
public struct SearchHit: Codable, Sendable, Equatable {
    public var documentID: String
    /// The document version the chunk belongs to.
    public var version: Int64
    /// The chunk's position in its document, from 0.
    public var ordinal: Int
    /// The document's title (PII scrubbed).
    public var title: String
    /// The chunk's world; nil for a global document.
    public var worldID: String?
    /// The headings above the chunk, outermost first.
    public var headingPath: [String]
    /// The chunk's text (PII scrubbed).
    public var text: String
    /// Reciprocal-rank-fusion score: Σ 1 / (rrfK + rank) over the methods that found it.
    public var score: Double
    /// Rank among the vector candidates, from 1; nil when the vector search did not find it.
    public var vectorRank: Int?
    /// Cosine similarity of the chunk's embedding to the query's, when the vector search found it.
    public var cosineSimilarity: Double?
    /// Rank among the full-text candidates, from 1; nil when the full-text search did not find it.
    public var textRank: Int?
    /// PostgreSQL's `ts_rank_cd` of the chunk for the query's words, when the full-text search found it.
    public var textScore: Double?

    public init(documentID: String, version: Int64, ordinal: Int, title: String, worldID: String?,
                headingPath: [String], text: String, score: Double, vectorRank: Int?, cosineSimilarity: Double?,
                textRank: Int?, textScore: Double?) {
        self.documentID = documentID
        self.version = version
        self.ordinal = ordinal
        self.title = title
        self.worldID = worldID
        self.headingPath = headingPath
        self.text = text
        self.score = score
        self.vectorRank = vectorRank
        self.cosineSimilarity = cosineSimilarity
        self.textRank = textRank
        self.textScore = textScore
    }

    /// The chunk this hit is.
    public var chunk: ChunkID { ChunkID(documentID: documentID, ordinal: ordinal) }
}

/// A chunk as fusion ranks it, before its details are fetched: a `SearchHit` without text.
public struct FusedChunk: Sendable, Equatable {
    public var chunk: ChunkID
    /// Reciprocal-rank-fusion score.
    public var score: Double
    public var vectorRank: Int?
    public var cosineSimilarity: Double?
    public var textRank: Int?
    public var textScore: Double?

    public init(chunk: ChunkID, score: Double, vectorRank: Int?, cosineSimilarity: Double?, textRank: Int?, textScore: Double?) {
        self.chunk = chunk
        self.score = score
        self.vectorRank = vectorRank
        self.cosineSimilarity = cosineSimilarity
        self.textRank = textRank
        self.textScore = textScore
    }
}

extension SearchHit {
    /// The hit of `fused`, shown with `details`.
    public init(_ fused: FusedChunk, _ details: ChunkDetails) {
        self.init(documentID: fused.chunk.documentID, version: details.version, ordinal: fused.chunk.ordinal,
                  title: details.title, worldID: details.worldID, headingPath: details.headingPath, text: details.text,
                  score: fused.score, vectorRank: fused.vectorRank, cosineSimilarity: fused.cosineSimilarity,
                  textRank: fused.textRank, textScore: fused.textScore)
    }
}

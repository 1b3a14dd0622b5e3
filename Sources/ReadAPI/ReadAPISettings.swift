import KnowledgeBase

/// What `ReadAPI` reads and how it answers.
public struct ReadAPISettings: Sendable {
    /// The schemas of the projections read.
    public var knowledgeBaseSchema = "kb"
    public var storySchema = "story"
    public var scalingSchema = "scaling"
    /// How searches gather and fuse candidates (`hnsw.ef_search` among them).
    public var search = SearchSettings()
    /// Where the vector half of a search finds its candidates.
    public var vectorSearch = VectorSearch.memory
    /// Search answers kept in memory; 0 turns the cache off.
    public var cacheEntries = 10_000
    /// Requests per second each client (address, or token name) may make on average, and at once; nil turns rate
    /// limiting off, except for tokens that have their own.
    public var rateLimit: RateLimit? = RateLimit(perSecond: 50, burst: 100)
    /// Proxies whose `X-Forwarded-For` names the client (a load balancer's subnets); none by default.
    public var trustedProxies = TrustedProxies.none
    /// The bearer tokens every `/v1` request must carry; nil serves without authentication.
    public var tokens: APITokens?
    /// Builds the query embedder once the knowledge base's dimension is known.
    public var makeEmbedder: @Sendable (_ dimension: Int) throws -> any Embedder = { try HashingEmbedder(dimension: $0) }

    public init() {}
}

/// Where `ReadAPI` finds a search's nearest chunks.
public enum VectorSearch: String, Sendable, CaseIterable {
    /// In a copy of the chunks' vectors held in the server's memory (`ChunkVectorReplica`), exactly: 4 bytes per
    /// component (154 MB for 100,000 chunks of 384), loaded at start-up and kept up to date per data version.
    /// Searches use the database until the copy is loaded.
    case memory
    /// In PostgreSQL, through the HNSW indexes (`hnsw.ef_search`): for a knowledge base too large for each server's
    /// memory.
    case database
}

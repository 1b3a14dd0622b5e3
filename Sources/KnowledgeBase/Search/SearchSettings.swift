/// How `KnowledgeBaseSearch` gathers candidates from each method and fuses them.
///
/// The defaults come from `annals-bench kb` at 100,000 chunks over 100 worlds (docs/benchmarks.md, "Knowledge-base ingest and search at 100,000 chunks").
public struct SearchSettings: Sendable, Equatable, Codable {
    /// pgvector's `hnsw.iterative_scan`: what the HNSW scan does when the world filter leaves too few rows.
    public enum IterativeScan: String, Sendable, Equatable, Codable, CaseIterable {
        /// Stop after `efSearch` candidates, however few pass the filter.
        case off
        /// Keep scanning, rows possibly slightly out of distance order (re-sorted afterwards); best recall.
        case relaxedOrder = "relaxed_order"
        /// Keep scanning, rows in exact distance order.
        case strictOrder = "strict_order"
    }

    /// pgvector's allowed `hnsw.ef_search`.
    public static let efSearchRange = 1...1_000
    /// Candidates per method allowed.
    public static let candidatesRange = 1...1_000

    /// HNSW candidate list size while searching a world's own chunks (`hnsw.ef_search`) when the planner uses the
    /// index for them (a large world; a small one is compared exactly): higher finds more true neighbours, slower.
    public var efSearch: Int
    /// `hnsw.ef_search` for the global chunks' own index (`chunks_global_embedding`), which every query reads and
    /// which is built finer (`KnowledgeBaseSettings.globalHnswM`, `globalHnswEfConstruction`), so a shorter list finds
    /// as much.
    public var globalEfSearch: Int
    /// How many candidates each method (vector, full text) brings to the fusion; never fewer than the query's k.
    public var candidatesPerMethod: Int
    /// The RRF constant: a hit scores Σ 1 / (rrfK + rank).
    public var rrfK: Int
    /// How the HNSW scan copes with the world filter.
    public var iterativeScan: IterativeScan
    /// pgvector's `hnsw.max_scan_tuples`: most index tuples an iterative scan visits; nil keeps the server's (20,000).
    public var maxScanTuples: Int?
    /// Words in more than this share of the chunks rank full-text candidates but bring none of their own
    /// (unless the query has no rarer word): 0.05 = more than one chunk in twenty. 1 lets every word bring candidates.
    public var commonWordFrequency: Double
    /// A query of common words only brings full-text candidates when its words together are expected in at most
    /// this many chunks (the table's rows times each word's share); otherwise full text brings none and the vector
    /// half decides. A word in most of the chunks says nothing about which one is meant, and matching it ranks most
    /// of the table (50–90 ms at 100,000 chunks, against 1–3 ms for a query with a rarer word).
    public var commonWordMatchLimit: Int

    public init(efSearch: Int = 200, globalEfSearch: Int = 100, candidatesPerMethod: Int = 40, rrfK: Int = 60,
                iterativeScan: IterativeScan = .relaxedOrder, maxScanTuples: Int? = nil,
                commonWordFrequency: Double = 0.05, commonWordMatchLimit: Int = 2_000) {
        self.efSearch = efSearch
        self.globalEfSearch = globalEfSearch
        self.candidatesPerMethod = candidatesPerMethod
        self.rrfK = rrfK
        self.iterativeScan = iterativeScan
        self.maxScanTuples = maxScanTuples
        self.commonWordFrequency = commonWordFrequency
        self.commonWordMatchLimit = commonWordMatchLimit
    }

    /// Throws, naming the setting and its range, when pgvector or the fusion would reject a value.
    public func validate() throws(SearchError) {
        if !Self.efSearchRange.contains(efSearch) {
            throw .invalidSetting("efSearch is \(efSearch); pgvector allows \(Self.efSearchRange.lowerBound)...\(Self.efSearchRange.upperBound)")
        }
        if !Self.efSearchRange.contains(globalEfSearch) {
            throw .invalidSetting("globalEfSearch is \(globalEfSearch); pgvector allows \(Self.efSearchRange.lowerBound)...\(Self.efSearchRange.upperBound)")
        }
        if !Self.candidatesRange.contains(candidatesPerMethod) {
            throw .invalidSetting("candidatesPerMethod is \(candidatesPerMethod); allowed \(Self.candidatesRange.lowerBound)...\(Self.candidatesRange.upperBound)")
        }
        if rrfK < 0 { throw .invalidSetting("rrfK is \(rrfK); it must be 0 or more (60 is usual)") }
        if !(commonWordFrequency > 0 && commonWordFrequency <= 1) {
            throw .invalidSetting("commonWordFrequency is \(commonWordFrequency); it must be above 0 and at most 1")
        }
        if commonWordMatchLimit < 0 {
            throw .invalidSetting("commonWordMatchLimit is \(commonWordMatchLimit); it must be 0 or more")
        }
        if let maxScanTuples, maxScanTuples < 1 {
            throw .invalidSetting("maxScanTuples is \(maxScanTuples); it must be at least 1, or nil for the server's default")
        }
    }
}

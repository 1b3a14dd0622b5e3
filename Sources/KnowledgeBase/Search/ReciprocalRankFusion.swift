/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): merges rankings whose scores are not comparable
/// (cosine similarities, `ts_rank_cd`) by rank alone. Pure.
///
/// An item's fused score is Σ 1 / (rrfK + rank) over the rankings that contain it, with ranks from 1. A larger
/// `rrfK` flattens the difference between the top ranks and the rest; 60 is the usual choice.
public enum ReciprocalRankFusion {
    /// One fused item: its score and its rank in each input ranking (nil where that ranking did not have it).
    public struct Fused<Item: Hashable & Comparable & Sendable>: Equatable, Sendable {
        public var item: Item
        public var score: Double
        /// One entry per input ranking, in input order; ranks start at 1.
        public var ranks: [Int?]

        public init(item: Item, score: Double, ranks: [Int?]) {
            self.item = item
            self.score = score
            self.ranks = ranks
        }
    }

    /// Every item of `rankings`, best first: by fused score descending, equal scores by the item's own order.
    ///
    /// Within one ranking only an item's first (best) position counts. Each score adds its terms from the
    /// largest down, so items with the same ranks in different rankings get bit-identical scores and fall to
    /// the deterministic tie-break rather than to rounding.
    public static func fuse<Item>(_ rankings: [[Item]], rrfK: Int) -> [Fused<Item>] {
        var ranks: [Item: [Int?]] = [:]
        for (list, ranking) in rankings.enumerated() {
            for (position, item) in ranking.enumerated() {
                var itemRanks = ranks[item] ?? Array(repeating: nil, count: rankings.count)
                if itemRanks[list] == nil {
                    itemRanks[list] = position + 1
                    ranks[item] = itemRanks
                }
            }
        }
        return ranks.map { item, itemRanks in
            Fused(item: item, score: score(ranks: itemRanks.compactMap { $0 }, rrfK: rrfK), ranks: itemRanks)
        }
        .sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
    }

    /// Σ 1 / (rrfK + rank), added best rank first.
    public static func score(ranks: [Int], rrfK: Int) -> Double {
        ranks.sorted().reduce(0) { $0 + 1 / Double(rrfK + $1) }
    }
}

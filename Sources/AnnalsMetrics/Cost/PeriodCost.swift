import AnnalsEvents
import Foundation

/// What a period of recorded scale decisions cost, by tier and by UTC day, against holding each tier at its peak for
/// the whole period and against the same capacity all on demand. Pure.
public struct PeriodCost: Sendable, Equatable {
    /// One tier's figures.
    public struct TierCost: Sendable, Equatable {
        public var tier: Tier
        public var instanceType: String
        public var price: PriceTable.Price
        /// The capacity the decisions set, as they split it.
        public var provisioned: CapacityCost
        /// The period's highest capacity held throughout, split as the decision that set it split it.
        public var atPeak: CapacityCost
        /// The provisioned capacity, all on demand.
        public var allOnDemand: CapacityCost
        /// Dollars by UTC day (midnight), for the days the tier had capacity.
        public var daily: [Date: Double]
    }

    public var since: Date
    public var until: Date
    public var tiers: [TierCost]

    /// The costs of `changes` (by tier) over [`since`, `until`) at `prices`.
    public init(_ changes: [Tier: [CapacityTimeline.Change]], since: Date, until: Date, prices: PriceTable) throws(CostError) {
        self.since = since
        self.until = until
        var tiers: [TierCost] = []
        for tier in Tier.scaled {
            let price = try prices.price(of: tier)
            let spans = CapacityTimeline.spans(changes[tier] ?? [], from: since, until: until)
            let peak = spans.max { $0.split.total < $1.split.total }?.split ?? CapacitySplit(spot: 0, onDemand: 0)
            let held = spans.reduce(0) { $0 + $1.minutes }
            var daily: [Date: Double] = [:]
            for (day, span) in CapacityTimeline.byDay(spans) { daily[day, default: 0] += span.cost(at: price).dollars }
            tiers.append(TierCost(
                tier: tier, instanceType: prices.tierInstanceTypes[tier.name] ?? "", price: price,
                provisioned: spans.map { $0.cost(at: price) }.reduce(.zero, +),
                atPeak: CapacityCost(peak, minutes: held, price: price),
                allOnDemand: spans.map { CapacityCost.onDemand(capacity: $0.split.total, minutes: $0.minutes, price: price) }
                    .reduce(.zero, +),
                daily: daily))
        }
        self.tiers = tiers
    }

    /// Every tier's figures added up.
    public var total: (provisioned: CapacityCost, atPeak: CapacityCost, allOnDemand: CapacityCost) {
        (tiers.map(\.provisioned).reduce(.zero, +), tiers.map(\.atPeak).reduce(.zero, +), tiers.map(\.allOnDemand).reduce(.zero, +))
    }

    /// Every day with capacity, with each tier's dollars that day (0 where it had none), in day order.
    public var days: [(day: Date, dollars: [Tier: Double])] {
        let all = Set(tiers.flatMap(\.daily.keys)).sorted()
        return all.map { day in (day, Dictionary(uniqueKeysWithValues: tiers.map { ($0.tier, $0.daily[day] ?? 0) })) }
    }
}

import AnnalsEvents

/// What a backtest's capacity would have cost, against two simpler plans: every tier held at its peak for the
/// whole run, and the same capacity all on demand. Pure.
public struct BacktestCost: Sendable, Equatable, Codable {
    /// The capacity the policy asked for, minute by minute, split between spot and on demand as the policy splits it:
    /// an instance bills from its launch, before it serves (the provisioning delay costs players, not dollars).
    public var provisioned: CapacityCost
    /// The tier's highest capacity held for every minute of the run, split the same way.
    public var atPeak: CapacityCost
    /// The provisioned capacity, all on demand.
    public var allOnDemand: CapacityCost
    /// Player-hours served: the minutes' active players, summed, over 60.
    public var playerHours: Double

    public init(provisioned: CapacityCost, atPeak: CapacityCost, allOnDemand: CapacityCost, playerHours: Double) {
        self.provisioned = provisioned
        self.atPeak = atPeak
        self.allOnDemand = allOnDemand
        self.playerHours = playerHours
    }

    public static let zero = BacktestCost(provisioned: .zero, atPeak: .zero, allOnDemand: .zero, playerHours: 0)

    public static func + (lhs: BacktestCost, rhs: BacktestCost) -> BacktestCost {
        BacktestCost(provisioned: lhs.provisioned + rhs.provisioned, atPeak: lhs.atPeak + rhs.atPeak,
                     allOnDemand: lhs.allOnDemand + rhs.allOnDemand, playerHours: lhs.playerHours + rhs.playerHours)
    }

    /// Dollars per 1,000 player-hours served; nil when no player was.
    public var dollarsPerThousandPlayerHours: Double? {
        playerHours > 0 ? provisioned.dollars / playerHours * 1_000 : nil
    }

    /// `tier`'s cost at `price`, its capacity split by `split`.
    public init(_ tier: TierBacktest, price: PriceTable.Price, split: (Int) -> CapacitySplit) {
        let peak = tier.minutes.map(\.desired).max() ?? 0
        var provisioned = CapacityCost.zero, allOnDemand = CapacityCost.zero, players = 0.0
        for minute in tier.minutes {
            provisioned = provisioned + CapacityCost(split(minute.desired), minutes: 1, price: price)
            allOnDemand = allOnDemand + CapacityCost.onDemand(capacity: minute.desired, minutes: 1, price: price)
            players += Double(minute.players ?? 0)
        }
        self.init(provisioned: provisioned,
                  atPeak: CapacityCost(split(peak), minutes: Double(tier.minutes.count), price: price),
                  allOnDemand: allOnDemand, playerHours: players / 60)
    }
}

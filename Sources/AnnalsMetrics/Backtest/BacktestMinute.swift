/// One minute of one tier in a backtest.
public struct BacktestMinute: Sendable, Equatable {
    public var minute: Minute
    /// Instance-equivalents the minute's samples ask for (see ``Backtest``); nil when the tier sent no samples.
    public var demand: Double?
    /// Whole instances needed: `demand` rounded up, at least the tier's minimum; nil without samples.
    public var needed: Int?
    /// Capacity the policy had asked for by this minute.
    public var desired: Int
    /// Instances serving: `desired`, held back by the provisioning delay on the way up.
    public var capacity: Int
    /// Demand above capacity by more than the policy's tolerance: the policy should be scaling out.
    public var isBreach: Bool
    /// Players the tier's instances served in the minute (the sum of their last readings); nil without samples.
    public var players: UInt64?

    public init(minute: Minute, demand: Double?, needed: Int?, desired: Int, capacity: Int, tolerance: Double,
                players: UInt64? = nil) {
        self.minute = minute
        self.players = players
        self.demand = demand
        self.needed = needed
        self.desired = desired
        self.capacity = capacity
        isBreach = demand.map { $0 > Double(capacity) * (1 + tolerance) + 1e-9 } ?? false
    }

    /// Demand above capacity, by any amount.
    public var isUnderTarget: Bool { demand.map { $0 > Double(capacity) + 1e-9 } ?? false }
}

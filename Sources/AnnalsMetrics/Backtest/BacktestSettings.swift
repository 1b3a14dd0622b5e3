import AnnalsEvents

/// How a backtest runs the policy.
public struct BacktestSettings: Sendable, Equatable {
    /// The policy under test.
    public var policy: ScalePolicySettings
    /// Minutes between a scale-out decision and its instances serving (boot, model load): an instance counts once
    /// it has been wanted for this many whole minutes after its decision's minute. 0: from the decision's minute.
    /// Scale-in takes effect in its decision's minute either way.
    public var provisioningDelayMinutes: Int
    /// Capacity each tier starts at. A tier left out starts with the instances reporting in its first minute,
    /// clamped to its limits: the fleet as recorded.
    public var initialCapacity: [Tier: Int]

    public init(policy: ScalePolicySettings = .init(), provisioningDelayMinutes: Int = 0, initialCapacity: [Tier: Int] = [:]) {
        self.policy = policy
        self.provisioningDelayMinutes = provisioningDelayMinutes
        self.initialCapacity = initialCapacity
    }
}

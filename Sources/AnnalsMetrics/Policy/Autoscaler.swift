import AnnalsEvents

/// Every tier's ``TierAutoscaler``, routing each sample to its tier: what the metrics worker runs.
public struct Autoscaler: Sendable, Equatable {
    /// What to store to resume later: each tier's state by tier name.
    public struct State: Sendable, Equatable, Codable {
        public var tiers: [String: TierAutoscaler.State]

        public init(tiers: [String: TierAutoscaler.State]) {
            self.tiers = tiers
        }
    }

    public let settings: ScalePolicySettings
    /// Gold, silver and bronze, in that order.
    public private(set) var tiers: [TierAutoscaler]

    /// Autoscalers starting at `capacities` (a tier missing from it starts at its minimum).
    public init(settings: ScalePolicySettings = .init(), capacities: [Tier: Int] = [:]) {
        self.settings = settings
        tiers = Tier.scaled.map { TierAutoscaler(tier: $0, settings: settings, capacity: capacities[$0]) }
    }

    /// Autoscalers resuming from a stored state (a tier missing from it starts afresh at its minimum).
    public init(settings: ScalePolicySettings = .init(), restoring state: State) {
        self.settings = settings
        tiers = Tier.scaled.map { tier in
            state.tiers[tier.name].map { TierAutoscaler(tier: tier, settings: settings, restoring: $0) }
                ?? TierAutoscaler(tier: tier, settings: settings)
        }
    }

    /// The state to store with the checkpoint.
    public var state: State {
        State(tiers: Dictionary(uniqueKeysWithValues: tiers.map { ($0.tier.name, $0.state) }))
    }

    /// Each tier's capacity as its policy last set it.
    public var capacities: [Tier: Int] {
        Dictionary(uniqueKeysWithValues: tiers.map { ($0.tier, $0.capacity) })
    }

    /// Passes `sample` to its tier's autoscaler; a sample of no scaled tier is ignored.
    public mutating func observe(_ sample: MetricSample) -> AutoscalerObservation {
        guard let index = tiers.firstIndex(where: { $0.tier == sample.tier }) else {
            return AutoscalerObservation(isIgnored: true)
        }
        return tiers[index].observe(sample)
    }

    /// Closes every tier's open minutes, gold first.
    public mutating func finish() -> AutoscalerObservation {
        var observation = AutoscalerObservation()
        for index in tiers.indices { observation = observation.merged(with: tiers[index].finish()) }
        return observation
    }
}

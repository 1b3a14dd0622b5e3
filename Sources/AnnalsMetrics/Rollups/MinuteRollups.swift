import AnnalsEvents

/// Every tier's minutes, folded from samples in any order: what the metrics tables hold. A late sample updates
/// its minute; a repeated event id changes nothing.
public struct MinuteRollups: Sendable, Equatable {
    /// Identifies one rollup.
    public struct Key: Sendable, Hashable {
        public var tier: Tier
        public var minute: Minute

        public init(tier: Tier, minute: Minute) {
            self.tier = tier
            self.minute = minute
        }
    }

    private var rollups: [Key: MinuteRollup] = [:]

    public init() {}

    /// All of `samples` folded in.
    public init(_ samples: some Sequence<MetricSample>) {
        for sample in samples { add(sample) }
    }

    /// Folds in one sample and returns its minute's rollup as it now stands (to upsert).
    @discardableResult
    public mutating func add(_ sample: MetricSample) -> MinuteRollup {
        let key = Key(tier: sample.tier, minute: Minute(containing: sample.sampledAt))
        rollups[key, default: MinuteRollup(tier: key.tier, minute: key.minute)].add(sample)
        return rollups[key] ?? MinuteRollup(tier: key.tier, minute: key.minute)
    }

    /// The rollup of `tier` in `minute`, if any sample fell in it.
    public subscript(tier: Tier, minute: Minute) -> MinuteRollup? {
        rollups[Key(tier: tier, minute: minute)]
    }

    /// `tier`'s rollups in minute order.
    public func rollups(for tier: Tier) -> [MinuteRollup] {
        rollups.values.filter { $0.tier == tier }.sorted { $0.minute < $1.minute }
    }

    /// Every rollup, by tier number then minute.
    public var all: [MinuteRollup] {
        rollups.values.sorted { ($0.tier.rawValue, $0.minute.index) < ($1.tier.rawValue, $1.minute.index) }
    }

    /// How many rollups there are.
    public var count: Int { rollups.count }
}

import AnnalsEvents

/// A spot reclaim in a generated trace: the tier's instance number `instance` reports the notice for two minutes
/// from `minute` (minutes after the trace starts), then disappears and a replacement takes its place under a new
/// instance id (`gold-01` → `gold-01-r1`).
public struct SpotInterruption: Sendable, Equatable {
    public var tier: Tier
    public var instance: Int
    public var minute: Int

    public init(tier: Tier, instance: Int, minute: Int) {
        self.tier = tier
        self.instance = instance
        self.minute = minute
    }
}

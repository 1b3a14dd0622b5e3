/// How a tier's instances divide between spot and on-demand.
public struct CapacitySplit: Sendable, Equatable, Codable, CustomStringConvertible {
    public var spot: Int
    public var onDemand: Int

    public init(spot: Int, onDemand: Int) {
        self.spot = spot
        self.onDemand = onDemand
    }

    /// `capacity` split: spot = ⌊capacity × spotShare⌋, but never so many that fewer than `minOnDemand` instances
    /// (or all of them, when there are fewer) stay on demand. 10 at 0.8 → 8 + 2; 3 → 2 + 1; 1 → 0 + 1.
    public init(capacity: Int, spotShare: Double, minOnDemand: Int) {
        let capacity = max(0, capacity)
        let share = spotShare.isNaN ? 0 : min(max(spotShare, 0), 1)
        // The epsilon keeps 15 × 0.8 = 12.000000000000002 from flooring differently than the arithmetic says.
        // Near Int.max the product rounds up to 2^63, which Int cannot hold: the share is at most the capacity.
        let product = (Double(capacity) * share + 1e-9).rounded(.down)
        let byShare = product < Double(capacity) ? Int(product) : capacity
        let spot = min(byShare, capacity - min(max(0, minOnDemand), capacity))
        self.init(spot: spot, onDemand: capacity - spot)
    }

    /// Instances in all.
    public var total: Int { spot + onDemand }

    /// `16 spot + 4 on-demand`.
    public var description: String { "\(spot) spot + \(onDemand) on-demand" }
}

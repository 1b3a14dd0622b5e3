/// A number of instances relative to the current capacity: the larger of `fraction` of it, rounded up, and
/// `instances`. `ScaleStep(fraction: 1.0, instances: 4)` is Kubernetes HPA's default scale-up policy, "+100% or +4,
/// whichever is more".
public struct ScaleStep: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Share of the current capacity, 1.0 = +100%.
    public var fraction: Double
    /// Fixed number of instances.
    public var instances: Int

    public init(fraction: Double, instances: Int) {
        self.fraction = fraction
        self.instances = instances
    }

    /// The step from `current` instances; at least 1, so a step always moves.
    public func size(from current: Int) -> Int {
        let proportional = fraction.isFinite && fraction > 0 ? Double(max(0, current)) * fraction : 0
        let rounded = proportional >= Double(Int32.max) ? Int(Int32.max) : Int((proportional - 1e-9).rounded(.up))
        return max(1, instances, rounded)
    }

    /// `max(+100%, +4)`.
    public var description: String { "max(+\(Figures.short(fraction * 100))%, +\(instances))" }

    private enum CodingKeys: String, CodingKey { case fraction, instances }

    /// Missing keys keep `ScaleStep(fraction: 0, instances: 1)`'s values.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fraction = try container.decodeIfPresent(Double.self, forKey: .fraction) ?? 0
        instances = try container.decodeIfPresent(Int.self, forKey: .instances) ?? 1
    }
}

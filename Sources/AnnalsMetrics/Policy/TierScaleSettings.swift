/// One tier's limits and targets.
public struct TierScaleSettings: Sendable, Equatable, Codable {
    /// Fewest instances the tier ever runs; at least 1 (HPA's formula cannot scale up from zero).
    public var minInstances: Int
    /// Most instances the tier ever runs: the capacity plan's ceiling.
    public var maxInstances: Int
    /// Primary target: queued requests per instance. 10 by default: at ~20 requests/s per instance, 10 waiting
    /// requests are 0.5 s of queueing (Little's law, wait = queue ÷ throughput), half the 1 s latency budget,
    /// leaving the other half for inference itself.
    public var queueDepthPerInstance: Double
    /// Secondary target: mean GPU utilisation, 0...1. 0.70 leaves 30% headroom for bursts while new instances boot.
    public var gpuUtilizationTarget: Double
    /// Safeguard: a tier latency P95 above this many seconds forces a scale-out step.
    public var latencyP95ThresholdSeconds: Double

    public init(
        minInstances: Int, maxInstances: Int, queueDepthPerInstance: Double = 10, gpuUtilizationTarget: Double = 0.70,
        latencyP95ThresholdSeconds: Double = 1.0
    ) {
        self.minInstances = minInstances
        self.maxInstances = maxInstances
        self.queueDepthPerInstance = queueDepthPerInstance
        self.gpuUtilizationTarget = gpuUtilizationTarget
        self.latencyP95ThresholdSeconds = latencyP95ThresholdSeconds
    }

    /// `value` forced into `minInstances...maxInstances`.
    public func clamp(_ value: Int) -> Int {
        min(max(value, minInstances), max(minInstances, maxInstances))
    }

    private enum CodingKeys: String, CodingKey {
        case minInstances, maxInstances, queueDepthPerInstance, gpuUtilizationTarget, latencyP95ThresholdSeconds
    }

    /// Missing keys keep the defaults (limits 1...1 when absent: give them).
    public init(from decoder: any Decoder) throws {
        try self.init(from: decoder, defaults: TierScaleSettings(minInstances: 1, maxInstances: 1))
    }

    /// Decodes the keys present over `defaults`.
    init(from decoder: any Decoder, defaults: TierScaleSettings) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minInstances = try c.decodeIfPresent(Int.self, forKey: .minInstances) ?? defaults.minInstances
        maxInstances = try c.decodeIfPresent(Int.self, forKey: .maxInstances) ?? defaults.maxInstances
        queueDepthPerInstance = try c.decodeIfPresent(Double.self, forKey: .queueDepthPerInstance) ?? defaults.queueDepthPerInstance
        gpuUtilizationTarget = try c.decodeIfPresent(Double.self, forKey: .gpuUtilizationTarget) ?? defaults.gpuUtilizationTarget
        latencyP95ThresholdSeconds = try c.decodeIfPresent(Double.self, forKey: .latencyP95ThresholdSeconds)
            ?? defaults.latencyP95ThresholdSeconds
    }
}

import PrometheusExposition

/// One instance's GPUs as dcgm-exporter reports them, reduced to the sample's two GPU fields. A field whose
/// counters are absent (or all NaN) is nil: reported as absent, never as zero.
public struct GPUReading: Sendable, Equatable {
    /// Mean of the GPUs' utilisation, 0...1 (dcgm-exporter reports percent).
    public var utilization: Double?
    /// The fullest GPU's framebuffer use, used / (used + free), 0...1.
    public var memoryUtilization: Double?

    public init(utilization: Double? = nil, memoryUtilization: Double? = nil) {
        self.utilization = utilization
        self.memoryUtilization = memoryUtilization
    }

    /// dcgm-exporter's counters for the GPU utilisation and the framebuffer.
    public enum Counter {
        public static let utilization = "DCGM_FI_DEV_GPU_UTIL"
        public static let framebufferUsed = "DCGM_FI_DEV_FB_USED"
        public static let framebufferFree = "DCGM_FI_DEV_FB_FREE"
    }

    /// The reading in one scrape of dcgm-exporter; GPUs are told apart by their `gpu` label (else `UUID`).
    public init(_ exposition: Exposition) {
        let utilizations = exposition.samples(named: Counter.utilization).map(\.value).filter(\.isFinite)
        utilization = utilizations.isEmpty
            ? nil : Self.share(utilizations.reduce(0, +) / Double(utilizations.count) / 100)

        let used = Self.byGPU(exposition.samples(named: Counter.framebufferUsed))
        let free = Self.byGPU(exposition.samples(named: Counter.framebufferFree))
        let shares = used.compactMap { gpu, used -> Double? in
            guard let free = free[gpu], used + free > 0 else { return nil }
            return Self.share(used / (used + free))
        }
        memoryUtilization = shares.max()
    }

    private static func byGPU(_ samples: [ExpositionSample]) -> [String: Double] {
        var values: [String: Double] = [:]
        for sample in samples where sample.value.isFinite && sample.value >= 0 {
            values[sample.labels["gpu"] ?? sample.labels["UUID"] ?? ""] = sample.value
        }
        return values
    }

    private static func share(_ value: Double) -> Double { min(max(value, 0), 1) }
}

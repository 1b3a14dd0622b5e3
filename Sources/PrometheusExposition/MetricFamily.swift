/// The type a `# TYPE` line declares: Prometheus 0.0.4's five and OpenMetrics 1.0's.
public enum MetricType: String, Sendable, CaseIterable {
    case counter, gauge, histogram, summary, untyped
    /// OpenMetrics only.
    case unknown, gaugehistogram, info, stateset

    /// The suffixes a sample of a family of this type may add to the family name ("" for none).
    var sampleSuffixes: [String] {
        switch self {
        // 0.0.4 names the counter family after its samples (`x_total`), OpenMetrics without the suffix (`x`).
        case .counter: ["", "_total", "_created"]
        case .summary: ["", "_count", "_sum", "_created"]
        case .histogram: ["_bucket", "_count", "_sum", "_created"]
        case .gaugehistogram: ["_bucket", "_gcount", "_gsum"]
        case .info: ["_info"]
        case .gauge, .untyped, .unknown, .stateset: [""]
        }
    }
}

/// A metric family: the samples filed under one `# TYPE`/`# HELP` name, or under a sample's own name when the
/// exposition declares none (then typed `untyped`, or `unknown` in OpenMetrics).
public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var type: MetricType
    public var help: String?
    /// OpenMetrics `# UNIT`.
    public var unit: String?
    public var samples: [ExpositionSample]

    public init(name: String, type: MetricType, help: String? = nil, unit: String? = nil, samples: [ExpositionSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.unit = unit
        self.samples = samples
    }

    /// Whether a sample named `sampleName` belongs to this family by its type's naming rules.
    func admits(_ sampleName: String) -> Bool {
        guard sampleName.hasPrefix(name) else { return false }
        let suffix = sampleName.dropFirst(name.count)
        return type.sampleSuffixes.contains { $0 == suffix }
    }
}

import PrometheusExposition

/// The inference server's queue depth, request latency over the last interval, and active players. A field whose
/// metric is absent is nil, and so is the latency of an interval without requests (no P95, not zero).
public struct InferenceReading: Sendable, Equatable {
    public var queueDepth: UInt64?
    public var latencyP95Seconds: Double?
    public var activePlayers: UInt64?

    public init(queueDepth: UInt64? = nil, latencyP95Seconds: Double? = nil, activePlayers: UInt64? = nil) {
        self.queueDepth = queueDepth
        self.latencyP95Seconds = latencyP95Seconds
        self.activePlayers = activePlayers
    }

    /// The sum of a gauge's series (one per model, say) as a count; nil when it has none, or only NaN.
    public static func count(of gauge: String, in exposition: Exposition) -> UInt64? {
        let values = exposition.samples(named: gauge).map(\.value).filter { !$0.isNaN }
        guard !values.isEmpty else { return nil }
        let total = values.reduce(0, +)
        guard total > 0 else { return 0 }
        return total >= 1.8e19 ? .max : UInt64(total.rounded())
    }
}

/// The request-latency histogram between two scrapes: what the P95 "over the last interval" is computed from.
public struct LatencyWindow: Sendable {
    public let histogram: String
    public let unit: LatencyUnit
    /// The previous scrape's histogram (its series merged), nil before the first.
    private var previous: CumulativeHistogram?

    public init(histogram: String, unit: LatencyUnit) {
        self.histogram = histogram
        self.unit = unit
    }

    /// What one scrape tells of the interval since the previous one.
    public enum Interval: Sendable, Equatable {
        /// The scrape has no such histogram.
        case histogramAbsent
        /// The first scrape with the histogram: there is no interval yet.
        case firstScrape
        /// No request finished in the interval: no P95, not zero.
        case noRequests
        /// The P95 of the requests finished in the interval, in seconds.
        case p95(seconds: Double)

        /// The P95 in seconds, when there is one.
        public var seconds: Double? {
            if case .p95(let seconds) = self { seconds } else { nil }
        }
    }

    /// The interval since the previous scrape, as `exposition` shows it. A restarted server (counters reset) counts
    /// from zero; a scrape without the histogram starts the window again.
    public mutating func interval(after exposition: Exposition) -> Interval {
        guard let current = CumulativeHistogram.merged(exposition.histograms(named: histogram)) else {
            previous = nil
            return .histogramAbsent
        }
        defer { previous = current }
        guard let previous else { return .firstScrape }
        guard let p95 = current.since(previous).quantile(0.95) else { return .noRequests }
        return .p95(seconds: unit.seconds(p95))
    }
}

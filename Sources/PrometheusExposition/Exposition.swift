/// A parsed scrape: its metric families in the order they appeared, and the lines that could not be read.
public struct Exposition: Sendable, Equatable {
    /// The format the text was read as.
    public var format: ExpositionFormat
    public var families: [MetricFamily]
    /// Skipped lines, each with its line number and reason; the rest of the scrape is kept.
    public var problems: [ExpositionProblem]

    public init(format: ExpositionFormat, families: [MetricFamily], problems: [ExpositionProblem] = []) {
        self.format = format
        self.families = families
        self.problems = problems
    }

    /// Parses Prometheus text 0.0.4 or OpenMetrics 1.0 text; never fails: a malformed line is skipped and reported in
    /// `problems`. With no `format` (the response's `Content-Type`, see `ExpositionFormat(contentType:)`), an
    /// exposition ending in `# EOF` is read as OpenMetrics, any other as 0.0.4.
    public static func parse(_ text: String, format: ExpositionFormat? = nil) -> Exposition {
        ExpositionParser.parse(text, format: format)
    }

    /// The family declared (or, without `# TYPE`, implied) under this exact name.
    public func family(named name: String) -> MetricFamily? {
        families.first { $0.name == name }
    }

    /// Every sample with this exact sample name (e.g. "DCGM_FI_DEV_GPU_UTIL"), whatever family it was filed under.
    public func samples(named name: String) -> [ExpositionSample] {
        families.flatMap { family in family.samples.filter { $0.name == name } }
    }

    /// The cumulative histograms of a histogram family (base name, e.g. "vllm:e2e_request_latency_seconds"): one per
    /// label set (labels other than `le`), in the order they first appear, from the `_bucket`, `_count` and `_sum`
    /// samples, with or without a `# TYPE`. Buckets whose `le` is missing or not a number are left out.
    public func histograms(named name: String) -> [CumulativeHistogram] {
        var order: [[String: String]] = []
        var buckets: [[String: String]: [CumulativeHistogram.Bucket]] = [:]
        for sample in samples(named: name + "_bucket") {
            guard let le = sample.labels["le"], let bound = parseExpositionFloat(le.utf8), !bound.isNaN else { continue }
            var series = sample.labels
            series["le"] = nil
            if buckets[series] == nil { order.append(series) }
            buckets[series, default: []].append(.init(upperBound: bound, cumulativeCount: sample.value))
        }
        let counts = valuesByLabels(samples(named: name + "_count"))
        let sums = valuesByLabels(samples(named: name + "_sum"))
        return order.map { series in
            CumulativeHistogram(labels: series, buckets: buckets[series] ?? [], count: counts[series], sum: sums[series])
        }
    }

    private func valuesByLabels(_ samples: [ExpositionSample]) -> [[String: String]: Double] {
        Dictionary(samples.map { ($0.labels, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}

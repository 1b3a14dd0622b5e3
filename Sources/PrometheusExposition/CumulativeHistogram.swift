/// One series of a Prometheus histogram as scraped: cumulative bucket counts since the server started.
public struct CumulativeHistogram: Sendable, Equatable {
    /// The series' labels, without `le`.
    public var labels: [String: String]
    /// Sorted by upper bound, one bucket per bound, cumulative counts; `+Inf` last when present.
    public private(set) var buckets: [Bucket]
    /// The `_count` sample, when the exposition has one.
    public var count: Double?
    /// The `_sum` sample, when the exposition has one.
    public var sum: Double?

    /// A bucket: how many observations were at most `upperBound` (`le`).
    public struct Bucket: Sendable, Equatable {
        public var upperBound: Double
        public var cumulativeCount: Double

        public init(upperBound: Double, cumulativeCount: Double) {
            self.upperBound = upperBound
            self.cumulativeCount = cumulativeCount
        }
    }

    /// Buckets in any order; they are sorted, buckets with a NaN bound dropped, and buckets of equal bounds summed
    /// (as Prometheus's `coalesceBuckets` does for `le="1"` beside `le="1.0"`).
    public init(labels: [String: String] = [:], buckets: [Bucket], count: Double? = nil, sum: Double? = nil) {
        self.labels = labels
        self.buckets = Self.normalized(buckets)
        self.count = count
        self.sum = sum
    }

    private static func normalized(_ buckets: [Bucket]) -> [Bucket] {
        var result: [Bucket] = []
        for bucket in buckets.filter({ !$0.upperBound.isNaN }).sorted(by: { $0.upperBound < $1.upperBound }) {
            if let last = result.last, last.upperBound == bucket.upperBound {
                result[result.count - 1].cumulativeCount += bucket.cumulativeCount
            } else {
                result.append(bucket)
            }
        }
        return result
    }

    private var upperBounds: [Double] { buckets.map(\.upperBound) }

    /// Several series of one instance (e.g. one per model) as one, as `sum by (le)` would: counts of equal bounds
    /// summed, `count` and `sum` summed when every series has them, labels those all series share. Nil for no series
    /// or when their bounds differ.
    public static func merged(_ histograms: [CumulativeHistogram]) -> CumulativeHistogram? {
        guard let first = histograms.first else { return nil }
        let bounds = first.upperBounds
        guard histograms.allSatisfy({ $0.upperBounds == bounds }) else { return nil }
        var merged = first
        for other in histograms.dropFirst() {
            for index in merged.buckets.indices {
                merged.buckets[index].cumulativeCount += other.buckets[index].cumulativeCount
            }
            merged.count = merged.count.flatMap { total in other.count.map { total + $0 } }
            merged.sum = merged.sum.flatMap { total in other.sum.map { total + $0 } }
            merged.labels = merged.labels.filter { other.labels[$0.key] == $0.value }
        }
        return merged
    }

    /// The observations made between `earlier` and this scrape: the bucket-wise difference. When any bucket or the
    /// count went down (a restarted server: a counter reset), or the bucket bounds changed, the interval is this
    /// scrape's counts alone, as Prometheus's `rate()` treats a reset. (With no earlier scrape there is no interval
    /// yet: the caller keeps this scrape and waits for the next.)
    public func since(_ earlier: CumulativeHistogram) -> CumulativeHistogram {
        guard upperBounds == earlier.upperBounds else { return self }
        let differences = zip(buckets, earlier.buckets).map { $0.cumulativeCount - $1.cumulativeCount }
        let bucketWentDown = differences.contains { $0 < 0 }
        let countWentDown = count.flatMap { now in earlier.count.map { now < $0 } } ?? false
        if bucketWentDown || countWentDown { return self }
        var interval = self
        for index in interval.buckets.indices {
            interval.buckets[index].cumulativeCount = differences[index]
        }
        interval.count = count.flatMap { now in earlier.count.map { now - $0 } }
        interval.sum = sum.flatMap { now in earlier.sum.map { now - $0 } }
        return interval
    }
}

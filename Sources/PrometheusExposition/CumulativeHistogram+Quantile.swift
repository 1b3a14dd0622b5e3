extension CumulativeHistogram {
    /// Prometheus's `histogram_quantile` over these buckets (`bucketQuantile` in promql/quantile.go): linear
    /// interpolation inside the bucket holding the rank, lower bound 0 for the first bucket unless its upper bound is
    /// <= 0 (then that bound is the answer); a rank in the `+Inf` bucket answers the highest finite upper bound.
    /// Nil where Prometheus answers NaN or ±Inf: no observations (zero requests give no latency, not 0), no `+Inf`
    /// bucket, fewer than 2 buckets, q outside [0, 1], or q = 0 over an empty lowest bucket. Counts that are not
    /// monotonic are fixed up as Prometheus does (float noise within 1e-12 flattened, then the running maximum).
    public func quantile(_ q: Double) -> Double? {
        guard q >= 0, q <= 1 else { return nil }
        guard buckets.count >= 2, let last = buckets.last, last.upperBound == .infinity else { return nil }
        var counts = buckets.map(\.cumulativeCount)
        Self.correctPrecisionErrors(&counts, tolerance: 1e-12)
        Self.ensureMonotonic(&counts)
        guard let observations = counts.last, observations.isFinite, observations > 0 else { return nil }

        var rank = q * observations
        // The first bucket (the +Inf one excluded) whose count reaches the rank; none means the +Inf bucket.
        let index = counts.dropLast().firstIndex { $0 >= rank } ?? counts.count - 1
        if index == counts.count - 1 { return buckets[index - 1].upperBound }
        if index == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }

        var bucketStart = 0.0
        var countInBucket = counts[index]
        if index > 0 {
            bucketStart = buckets[index - 1].upperBound
            countInBucket -= counts[index - 1]
            rank -= counts[index - 1]
        }
        // Only q = 0 over an empty lowest bucket gets here with nothing in the bucket: Prometheus divides 0 by 0 (NaN).
        guard countInBucket > 0 else { return nil }
        return bucketStart + (buckets[index].upperBound - bucketStart) * (rank / countInBucket)
    }

    /// A bucket whose count differs from the previous one by a relative 1e-12 or less takes the previous count:
    /// float sums of many series can make equal counts differ in the last bits.
    static func correctPrecisionErrors(_ counts: inout [Double], tolerance: Double) {
        guard var previous = counts.first else { return }
        for index in counts.indices.dropFirst() {
            let current = counts[index]
            let delta = abs(current - previous)
            if delta == 0 { continue }
            if delta / current <= tolerance {
                counts[index] = previous
            } else {
                previous = current
            }
        }
    }

    /// Counts that went down from one bucket to the next (inconsistent data) are raised to the running maximum, so
    /// the rank search sees a monotonic envelope.
    static func ensureMonotonic(_ counts: inout [Double]) {
        guard var maximum = counts.first else { return }
        for index in counts.indices.dropFirst() {
            if counts[index] > maximum {
                maximum = counts[index]
            } else if counts[index] < maximum {
                counts[index] = maximum
            }
        }
    }
}

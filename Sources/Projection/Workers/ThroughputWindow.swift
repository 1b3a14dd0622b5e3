import Kafka

/// Events per second per partition over a sliding window, from per-partition running totals (which never decrease)
/// sampled now and then. Pure: times are monotonic nanoseconds supplied by the caller.
public struct ThroughputWindow: Sendable, Equatable {
    /// What one partition did over the window.
    public struct Rate: Sendable, Equatable {
        /// Events counted between the window's start and its latest sample.
        public var events: Int64
        /// How long that is.
        public var seconds: Double

        public init(events: Int64, seconds: Double) {
            self.events = events
            self.seconds = seconds
        }

        /// Events per second; 0 over an empty span.
        public var perSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    private struct Sample: Sendable, Equatable {
        var time: UInt64
        var totals: [TopicPartition: Int64]
    }

    /// How far back rates look.
    public let windowNanoseconds: UInt64
    /// Oldest first; the first is the baseline rates are measured from.
    private var samples: [Sample]

    /// Starts counting at `start` with every total at zero.
    public init(windowNanoseconds: UInt64, start: UInt64) {
        self.windowNanoseconds = max(windowNanoseconds, 1)
        samples = [Sample(time: start, totals: [:])]
    }

    /// Adds the totals observed at `now` (a sample older than the latest is ignored) and forgets the samples the
    /// window no longer needs: the baseline is the newest sample at least a window older than `now`, or the oldest.
    public mutating func record(_ totals: [TopicPartition: Int64], at now: UInt64) {
        guard let latest = samples.last, now >= latest.time else { return }
        samples.append(Sample(time: now, totals: totals))
        let cutoff = now >= windowNanoseconds ? now - windowNanoseconds : 0
        if let baseline = samples.lastIndex(where: { $0.time <= cutoff }), baseline > 0 {
            samples.removeFirst(baseline)
        }
    }

    /// Seconds between the baseline and the latest sample: what the rates are measured over.
    public var spanSeconds: Double {
        guard let first = samples.first, let latest = samples.last else { return 0 }
        return Double(latest.time - first.time) / 1e9
    }

    /// Each partition of the latest sample: the events since the baseline and the time between them.
    public var rates: [TopicPartition: Rate] {
        guard let first = samples.first, let latest = samples.last else { return [:] }
        let seconds = spanSeconds
        var rates: [TopicPartition: Rate] = [:]
        for (partition, total) in latest.totals {
            rates[partition] = Rate(events: max(total - (first.totals[partition] ?? 0), 0), seconds: seconds)
        }
        return rates
    }
}

import AnnalsEvents

/// The samples taken but not yet acknowledged by the broker, oldest first, at most `capacity` of them. When it is
/// full the oldest sample is dropped (and counted): a long broker outage loses its oldest minutes, never the newest.
public struct SampleBuffer: Sendable {
    public let capacity: Int
    /// Samples waiting, oldest first.
    public private(set) var waiting: [MetricSample] = []
    /// Samples dropped because the buffer was full.
    public private(set) var dropped: Int = 0

    /// A buffer of at most `capacity` samples (at least 1).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Appends `sample`; returns how many of the oldest were dropped to make room (0 or 1).
    @discardableResult
    public mutating func append(_ sample: MetricSample) -> Int {
        waiting.append(sample)
        let excess = waiting.count - capacity
        guard excess > 0 else { return 0 }
        waiting.removeFirst(excess)
        dropped += excess
        return excess
    }

    /// Up to `limit` samples from the oldest, to send in this order.
    public func head(_ limit: Int) -> ArraySlice<MetricSample> {
        waiting.prefix(max(0, limit))
    }

    /// Removes the first `count` of `sent` from the buffer: the acknowledged prefix of what `head` gave. A sample
    /// dropped while they were in flight is no longer there, so removal goes by event id, not by position.
    public mutating func acknowledge(_ sent: ArraySlice<MetricSample>, count: Int) {
        let acknowledged = Set(sent.prefix(max(0, count)).map(\.meta.eventID))
        guard !acknowledged.isEmpty else { return }
        waiting.removeAll { acknowledged.contains($0.meta.eventID) }
    }

    /// How many samples are waiting.
    public var count: Int { waiting.count }
}

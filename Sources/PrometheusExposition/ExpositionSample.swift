/// One sample line of an exposition: a series (name and labels) and its value at the scrape.
public struct ExpositionSample: Sendable, Equatable {
    /// The sample's own name, suffix included (`vllm:e2e_request_latency_seconds_bucket`).
    public var name: String
    public var labels: [String: String]
    /// May be NaN or ±infinity, as the exposition says.
    public var value: Double
    /// Seconds since the Unix epoch, when the exposition gives one (0.0.4 gives milliseconds; they are converted).
    public var timestamp: Double?

    public init(name: String, labels: [String: String] = [:], value: Double, timestamp: Double? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

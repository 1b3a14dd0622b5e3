import AnnalsEvents
import AnnalsMetrics

/// What one agent samples, where from, and how often: the settings of `annals-metrics-agent`, checked.
public struct AgentSettings: Sendable, Equatable {
    /// The tier the instance serves; samples are keyed by it.
    public var tier: Tier
    /// The instance id; nil: asked of the instance metadata service, else the host name.
    public var instanceID: String?
    /// dcgm-exporter's metrics URL; nil: no GPU readings.
    public var dcgmURL: String?
    /// The inference server's metrics URL; nil: no queue depth or latency.
    public var inferenceURL: String?
    /// The queue-depth gauge on the inference endpoint; nil: none.
    public var queueMetric: String?
    /// The request-latency histogram on the inference endpoint; nil: none.
    public var latencyHistogram: String?
    public var latencyUnit: LatencyUnit
    /// The active-players gauge; nil: none.
    public var playersMetric: String?
    /// Where the players gauge is served; nil: the inference endpoint.
    public var playersURL: String?
    /// The EC2 instance metadata service; nil: not asked (no spot notices).
    public var imdsURL: String?
    /// Time between samples.
    public var interval: Duration
    /// How long each HTTP source has to answer.
    public var scrapeTimeout: Duration
    /// How much sampling the buffer keeps while the broker is unreachable.
    public var bufferSpan: Duration

    public init(tier: Tier, instanceID: String? = nil, dcgmURL: String? = nil, inferenceURL: String? = nil,
                queueMetric: String? = nil, latencyHistogram: String? = nil, latencyUnit: LatencyUnit? = nil,
                playersMetric: String? = nil, playersURL: String? = nil, imdsURL: String? = nil,
                interval: Duration = .seconds(10), scrapeTimeout: Duration = .seconds(2), bufferSpan: Duration = .seconds(1_800)) {
        self.tier = tier
        self.instanceID = instanceID
        self.dcgmURL = dcgmURL
        self.inferenceURL = inferenceURL
        self.queueMetric = queueMetric
        self.latencyHistogram = latencyHistogram
        self.latencyUnit = latencyUnit ?? latencyHistogram.map(LatencyUnit.implied(by:)) ?? .seconds
        self.playersMetric = playersMetric
        self.playersURL = playersURL
        self.imdsURL = imdsURL
        self.interval = interval
        self.scrapeTimeout = scrapeTimeout
        self.bufferSpan = bufferSpan
    }

    /// How many samples the buffer holds: `bufferSpan` of sampling every `interval`.
    public var bufferCapacity: Int {
        let interval = max(interval / .milliseconds(1), 1)
        let span = max(bufferSpan / .milliseconds(1), 0)
        return max(1, Int(min(span / interval, 10_000_000)))
    }

    /// Every setting the agent cannot work with, each saying what to give instead; empty when all are usable.
    public var problems: [String] {
        var problems: [String] = []
        if !Tier.scaled.contains(tier) { problems.append("the tier must be gold, silver or bronze") }
        if interval < .seconds(1) { problems.append("--interval is \(interval): use 1s or more") }
        if scrapeTimeout <= .zero || scrapeTimeout >= interval {
            problems.append("--scrape-timeout is \(scrapeTimeout): use more than 0 and less than --interval (\(interval))")
        }
        if bufferSpan < interval { problems.append("--buffer is \(bufferSpan): keep at least one --interval (\(interval))") }
        if dcgmURL == nil, inferenceURL == nil, playersURL == nil, imdsURL == nil {
            problems.append("no source to sample: give --dcgm-url, --inference-url, --players-url or --imds-url")
        }
        if inferenceURL != nil, queueMetric == nil, latencyHistogram == nil, playersMetric == nil {
            problems.append("--inference-url is given but nothing to read there: pick --inference-server vllm, tgi or triton, "
                + "or give --queue-metric, --latency-histogram or --players-metric")
        }
        if playersURL != nil, playersMetric == nil {
            problems.append("--players-url is given without --players-metric: name the gauge to read there")
        }
        if playersMetric != nil, playersURL == nil, inferenceURL == nil {
            problems.append("--players-metric is given but no endpoint serves it: give --players-url or --inference-url")
        }
        for (option, url) in [("--dcgm-url", dcgmURL), ("--inference-url", inferenceURL), ("--players-url", playersURL),
                              ("--imds-url", imdsURL)] {
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                problems.append("\(option) \(url) is not an http:// or https:// URL")
            }
        }
        return problems
    }
}

/// The inference servers the agent knows, and the metric each one publishes for the queue and for request latency.
public enum InferenceServer: String, CaseIterable, Sendable {
    case vllm, tgi, triton, custom

    /// The gauge of requests waiting for a slot, when the server has a well-known one.
    public var queueMetric: String? {
        switch self {
        case .vllm: "vllm:num_requests_waiting"
        case .tgi: "tgi_queue_size"
        case .triton: "nv_inference_pending_request_count"
        case .custom: nil
        }
    }

    /// The cumulative histogram of end-to-end request latency, when the server has a well-known one. Triton's
    /// latencies are counters of summed microseconds, not a histogram: give `--latency-histogram` for it.
    public var latencyHistogram: String? {
        switch self {
        case .vllm: "vllm:e2e_request_latency_seconds"
        case .tgi: "tgi_request_duration"
        case .triton, .custom: nil
        }
    }
}

/// The unit of a latency histogram's bucket bounds.
public enum LatencyUnit: String, CaseIterable, Sendable {
    case seconds, milliseconds, microseconds

    /// The unit a metric's name says (`_ms`, `_milliseconds`, `_us`, `_microseconds`), else seconds, Prometheus's
    /// base unit.
    public static func implied(by name: String) -> LatencyUnit {
        let base = name.hasSuffix("_bucket") ? String(name.dropLast("_bucket".count)) : name
        if base.hasSuffix("_ms") || base.hasSuffix("_milliseconds") { return .milliseconds }
        if base.hasSuffix("_us") || base.hasSuffix("_microseconds") { return .microseconds }
        return .seconds
    }

    /// `value` in this unit, in seconds.
    public func seconds(_ value: Double) -> Double {
        switch self {
        case .seconds: value
        case .milliseconds: value / 1_000
        case .microseconds: value / 1_000_000
        }
    }
}

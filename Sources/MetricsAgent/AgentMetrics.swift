import Metrics

/// The agent's swift-metrics instruments; whatever backend the executable bootstraps (Prometheus) receives them.
struct AgentMetrics: Sendable {
    let published = Counter(label: "annals_agent_samples_published_total")
    let dropped = Counter(label: "annals_agent_samples_dropped_total")
    let buffered = Gauge(label: "annals_agent_buffer_samples")
    let publishLatency = Metrics.Timer(label: "annals_agent_publish_duration_seconds")

    /// One scrape of `source` (dcgm, inference, players, imds) and whether it answered.
    func scraped(_ source: String, ok: Bool) {
        Counter(label: "annals_agent_scrapes_total", dimensions: [("source", source), ("outcome", ok ? "ok" : "failed")])
            .increment()
    }
}

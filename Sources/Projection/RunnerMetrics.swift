import Dispatch
import Kafka
import Metrics

/// The runner's swift-metrics instruments, labelled with the projection. Whatever backend the executable
/// bootstraps (Prometheus in the workers) receives them; without one they cost nothing.
struct RunnerMetrics {
    let eventsApplied: Counter
    let deadLetters: Counter
    let retries: Counter
    let rebalances: Counter
    let batchLatency: Metrics.Timer
    let endToEndLatency: Metrics.Timer
    let backlog: Gauge
    let assignedPartitions: Gauge
    let databaseUp: Gauge
    private let projection: String
    private var lagGauges: [TopicPartition: Gauge] = [:]

    init(projection: String) {
        self.projection = projection
        let dimensions = [("projection", projection)]
        eventsApplied = Counter(label: "annals_events_applied_total", dimensions: dimensions)
        deadLetters = Counter(label: "annals_dead_letters_total", dimensions: dimensions)
        retries = Counter(label: "annals_retries_total", dimensions: dimensions)
        rebalances = Counter(label: "annals_rebalances_total", dimensions: dimensions)
        batchLatency = Metrics.Timer(label: "annals_batch_duration_seconds", dimensions: dimensions)
        endToEndLatency = Metrics.Timer(label: "annals_end_to_end_latency_seconds", dimensions: dimensions)
        backlog = Gauge(label: "annals_backlog_messages", dimensions: dimensions)
        assignedPartitions = Gauge(label: "annals_assigned_partitions", dimensions: dimensions)
        databaseUp = Gauge(label: "annals_database_up", dimensions: dimensions)
    }

    /// Records each partition's lag; partitions no longer in `lags` lose their series.
    mutating func recordLag(_ lags: [TopicPartition: Int64]) {
        for (partition, gauge) in lagGauges where lags[partition] == nil {
            gauge.destroy()
            lagGauges[partition] = nil
        }
        for (partition, lag) in lags {
            let gauge = lagGauges[partition] ?? Gauge(label: "annals_consumer_lag_messages", dimensions: [
                ("projection", projection), ("topic", partition.topic), ("partition", String(partition.partition)),
            ])
            lagGauges[partition] = gauge
            gauge.record(lag)
        }
    }

    /// Event time (the record timestamp) to commit, for each message of a committed batch.
    func recordEndToEnd(_ messages: [KafkaMessage], committedAtMilliseconds now: Int64) {
        for message in messages {
            guard let timestamp = message.timestampMilliseconds, timestamp > 0, now >= timestamp else { continue }
            endToEndLatency.recordNanoseconds((now - timestamp) * 1_000_000)
        }
    }
}

import AnnalsEvents
import Dispatch
import Kafka
import Logging
import Synchronization

/// Sends the buffered samples to metric-sample, oldest first, keyed by tier with the message-type header, and
/// removes each from the buffer once the broker has acknowledged it. A failed send leaves the samples buffered and
/// is tried again after a backoff; the same sample sent twice is the same event (its id is derived from instance
/// and time), so a retry cannot count twice.
final class SamplePublisher: Sendable {
    private let producer: KafkaProducer
    private let buffer: Mutex<SampleBuffer>
    private let health: Shared<AgentHealth>
    private let metrics: AgentMetrics
    private let logger: Logger
    private let roundSize = 500
    private let streak = Mutex(PublishStreak())

    init(producer: KafkaProducer, buffer: SampleBuffer, health: Shared<AgentHealth>, metrics: AgentMetrics, logger: Logger) {
        self.producer = producer
        self.buffer = Mutex(buffer)
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// Buffers `sample`, dropping the oldest when the buffer is full.
    func enqueue(_ sample: MetricSample) {
        let (dropped, depth) = buffer.withLock { ($0.append(sample), $0.count) }
        if dropped > 0 {
            metrics.dropped.increment(by: dropped)
            logger.warning("buffer full: dropped the oldest sample", metadata: ["buffered": "\(depth)"])
        }
        report(depth: depth)
    }

    /// Samples waiting for the broker.
    var depth: Int { buffer.withLock { $0.count } }

    /// Sends what is buffered, a round at a time, until it is empty or a round fails; false when one failed.
    func publishBuffered() async -> Bool {
        while true {
            let round = buffer.withLock { $0.head(roundSize) }
            guard !round.isEmpty else { return true }
            let records = round.compactMap { try? Self.record($0) }
            let started = DispatchTime.now().uptimeNanoseconds
            let results = await producer.sendAll(records)
            metrics.publishLatency.recordNanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds &- started))
            // Only the acknowledged prefix is removed: an unacknowledged sample is sent again before any later one.
            let delivered = results.prefix { if case .success = $0 { true } else { false } }.count
            let depth = buffer.withLock { buffer in
                buffer.acknowledge(round, count: delivered)
                return buffer.count
            }
            metrics.published.increment(by: delivered)
            report(depth: depth)
            if delivered < round.count, case .failure(let error) = results[delivered] {
                published(error: "\(error)")
                return false
            }
            published(error: nil)
        }
    }

    /// How long to wait before the next round, after the failed rounds in a row.
    var retryDelay: Duration { streak.withLock { $0.retryDelay } }

    private func published(error: String?) {
        let change = streak.withLock { $0.record(succeeded: error == nil) }
        health.withLock {
            $0.lastPublishSucceeded = error == nil
            $0.lastPublishError = error
        }
        switch change {
        case .outageBegan?:
            logger.warning("the broker is not taking samples: they stay buffered and are sent in order when it does",
                           metadata: ["error": "\(error ?? "")", "buffered": "\(depth)"])
        case .outageEnded?:
            logger.info("the broker takes samples again", metadata: ["buffered": "\(depth)"])
        case nil:
            break
        }
    }

    private func report(depth: Int) {
        metrics.buffered.record(depth)
        let dropped = buffer.withLock { $0.dropped }
        health.withLock {
            $0.buffered = depth
            $0.dropped = dropped
        }
    }

    /// The record of `sample`: keyed by tier, with the message-type header.
    static func record(_ sample: MetricSample) throws -> KafkaRecord {
        KafkaRecord(
            topic: AnnalsTopic.metricSample.rawValue, key: Array(sample.tier.name.utf8), value: try sample.serializedBytes(),
            headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.metricSample.messageTypeName.utf8))])
    }
}

import Foundation
import CRdKafka
import Logging

/// Consumer in a group whose start positions come from an external checkpoint store.
/// Not thread-safe: call every method from one dedicated thread (never from the Swift cooperative pool); the rebalance closures run on that thread inside `poll`.
public final class KafkaConsumer {
    /// `nil` once closed.
    private var client: RDKafkaClient?
    private let rebalance: RebalanceHandler
    private let logger: Logger
    /// Upper bound for the blocking seek.
    private let seekTimeoutMilliseconds: Int32 = 10_000

    /// Joins `groupID` subscribed to `topics`; `onAssign` returns each new partition's start offset, `onRevoke` runs before partitions are taken away.
    public init(
        config: KafkaConfig, groupID: String, topics: [String],
        onAssign: @escaping ([TopicPartition]) -> [TopicPartition: Int64],
        onRevoke: @escaping ([TopicPartition]) -> Void,
        logger: Logger
    ) throws {
        let rebalance = RebalanceHandler(onAssign: onAssign, onRevoke: onRevoke, logger: logger)
        let client = try Self.makeClient(config: config, groupID: groupID, rebalance: rebalance, logger: logger)
        self.client = client
        self.rebalance = rebalance
        self.logger = logger

        let subscription = try RDKafkaTopicPartitionList(topics.map { TopicPartition(topic: $0, partition: -1) })
        let result = subscription.withPointer { rd_kafka_subscribe(client.handle, $0) }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: "subscribe to \(topics) failed: \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// Reads exactly the given partitions from the given offsets without joining a group (no rebalances, no
    /// join delay): for replays that must see every partition. librdkafka still wants a `group.id`, which
    /// only names the informational offset commits.
    public init(config: KafkaConfig, assignment starts: [TopicPartition: Int64], groupID: String, logger: Logger) throws {
        let rebalance = RebalanceHandler(onAssign: { _ in [:] }, onRevoke: { _ in }, logger: logger)
        let client = try Self.makeClient(config: config, groupID: groupID, rebalance: rebalance, logger: logger)
        self.client = client
        self.rebalance = rebalance
        self.logger = logger

        let list = try RDKafkaTopicPartitionList(Array(starts.keys), offsets: starts)
        let result = list.withPointer { rd_kafka_assign(client.handle, $0) }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: "assigning \(starts.keys.sorted()) failed: \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    private static func makeClient(config: KafkaConfig, groupID: String, rebalance: RebalanceHandler,
                                   logger: Logger) throws -> RDKafkaClient {
        var properties = [
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "range",
        ]
        properties.merge(config.properties) { _, user in user }
        properties["group.id"] = groupID
        let configuration = try RDKafkaConfiguration(properties)
        let context = RDKafkaCallbackContext(logger: logger, rebalance: rebalance, handlesErrors: true)
        let client = try RDKafkaClient(type: RD_KAFKA_CONSUMER, configuration: configuration, context: context)
        // Errors, logs and rebalances are then all served by rd_kafka_consumer_poll on the caller's thread.
        _ = rd_kafka_poll_set_consumer(client.handle)
        return client
    }

    deinit {
        close()
    }

    /// Up to `maxMessages` messages, stopping once their keys and values reach `maxBytes` (the last one may pass it),
    /// waiting at most `timeoutMilliseconds` for the first. Partition EOF / transient errors are logged, not thrown;
    /// fatal errors throw.
    public func poll(maxMessages: Int, maxBytes: Int = .max, timeoutMilliseconds: Int32) throws -> [KafkaMessage] {
        let rk = try handle()
        var messages: [KafkaMessage] = []
        var bytes = 0
        var timeout = timeoutMilliseconds
        while messages.count < maxMessages, bytes < maxBytes, let message = rd_kafka_consumer_poll(rk, timeout) {
            defer { rd_kafka_message_destroy(message) }
            timeout = 0
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                bytes += message.pointee.len + message.pointee.key_len
                messages.append(Self.copy(message))
            } else if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                logger.debug("Reached end of partition", metadata: ["partition": "\(message.pointee.partition)"])
            } else if err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET {
                // The position is outside the log and resetting is disabled: the caller must decide.
                let partition = TopicPartition(
                    topic: message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
                    partition: message.pointee.partition)
                let detail = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
                throw KafkaError(code: KafkaError.Code.offsetOutOfRange,
                                 message: "\(partition): position out of range: \(detail)", partition: partition)
            } else if let fatal = KafkaError.fatal(of: rk) {
                throw fatal
            } else {
                let detail = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
                logger.warning(
                    "Consumer error: \(detail)",
                    metadata: ["kafka.error": "\(String(cString: rd_kafka_err2name(err)))"]
                )
            }
        }
        if let error = rebalance.pendingError {
            rebalance.pendingError = nil
            throw error
        }
        if let fatal = KafkaError.fatal(of: rk) { throw fatal }
        return messages
    }

    /// Moves the fetch position of an assigned partition; the next `poll` returns messages from `offset`.
    public func seek(_ partition: TopicPartition, to offset: Int64) throws {
        let rk = try handle()
        let list = try RDKafkaTopicPartitionList([partition], offsets: [partition: offset])
        if let error = list.withPointer({ rd_kafka_seek_partitions(rk, $0, seekTimeoutMilliseconds) }) {
            throw KafkaError.consuming(error, context: "seek \(partition) to \(offset)")
        }
        if let error = list.firstError(operation: "seek") { throw error }
    }

    /// Stops fetching from `partitions` (they stay assigned).
    public func pause(_ partitions: [TopicPartition]) throws {
        let list = try RDKafkaTopicPartitionList(partitions)
        let rk = try handle()
        let result = list.withPointer { rd_kafka_pause_partitions(rk, $0) }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(result, message: "pause \(partitions) failed: \(String(cString: rd_kafka_err2str(result)))")
        }
        if let error = list.firstError(operation: "pause") { throw error }
    }

    /// Resumes fetching from paused `partitions`.
    public func resume(_ partitions: [TopicPartition]) throws {
        let list = try RDKafkaTopicPartitionList(partitions)
        let rk = try handle()
        let result = list.withPointer { rd_kafka_resume_partitions(rk, $0) }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(result, message: "resume \(partitions) failed: \(String(cString: rd_kafka_err2str(result)))")
        }
        if let error = list.firstError(operation: "resume") { throw error }
    }

    /// The partitions currently assigned to this member, sorted.
    public func assignment() throws -> [TopicPartition] {
        var raw: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let result = rd_kafka_assignment(try handle(), &raw)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let raw else {
            throw KafkaError(result, message: "reading the assignment failed: \(String(cString: rd_kafka_err2str(result)))")
        }
        return RDKafkaTopicPartitionList(adopting: raw).entries.map(\.topicPartition).sorted()
    }

    /// The high watermark of `partition` as last seen in a fetch response: no network call, so cheap enough for
    /// every loop turn. Nil before the first fetch from it.
    public func cachedHighWatermark(_ partition: TopicPartition) -> Int64? {
        guard let rk = client?.handle else { return nil }
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_get_watermark_offsets(rk, partition.topic, partition.partition, &low, &high)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    /// Informational only (for lag tools): async commit of next offsets.
    public func commitInformational(_ nextOffsets: [TopicPartition: Int64]) {
        guard let rk = client?.handle, !nextOffsets.isEmpty else { return }
        do {
            let list = try RDKafkaTopicPartitionList(Array(nextOffsets.keys), offsets: nextOffsets)
            let result = list.withPointer { rd_kafka_commit(rk, $0, 1) }
            if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.debug("Informational offset commit not sent: \(String(cString: rd_kafka_err2str(result)))")
            }
        } catch {
            logger.debug("Informational offset commit not sent: \(error)")
        }
    }

    /// Leave the group cleanly (runs revoke callback), then destroy.
    public func close() {
        guard let client else { return }
        Self.leaveGroup(client, logger: logger)
        self.client = nil
    }

    /// `close()`, waiting at most `timeout`. With the brokers gone or frozen, leaving the group can block for
    /// librdkafka's socket timeout (60 s), longer than an orchestrator's stop grace. The close runs on a thread of
    /// its own (the revoke callback with it); past `timeout` it is left to finish there, or to the process's exit,
    /// and this returns false.
    public func close(within timeout: Duration) -> Bool {
        guard let client else { return true }
        self.client = nil
        let done = DispatchSemaphore(value: 0)
        let logger = self.logger
        Thread {
            Self.leaveGroup(client, logger: logger)
            done.signal()
            withExtendedLifetime(client) {}  // destroyed here, off the caller's thread
        }.start()
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = max(0, seconds) * 1_000_000_000 + attoseconds / 1_000_000_000
        return done.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .success
    }

    /// rd_kafka_consumer_close: the revoke callback, the group left; a failure is logged.
    private static func leaveGroup(_ client: RDKafkaClient, logger: Logger) {
        let result = rd_kafka_consumer_close(client.handle)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("Consumer close: \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    private func handle() throws(KafkaError) -> OpaquePointer {
        guard let client else { throw KafkaError.state("the consumer is closed") }
        return client.handle
    }

    private static func copy(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let m = message.pointee
        var headers: [KafkaHeader] = []
        var rawHeaders: OpaquePointer?
        if rd_kafka_message_headers(message, &rawHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let rawHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(rawHeaders, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(
                    key: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                ))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaMessage(
            topic: m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
            partition: m.partition,
            offset: m.offset,
            key: m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) },
            value: m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) },
            headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || timestamp < 0 ? nil : timestamp
        )
    }
}

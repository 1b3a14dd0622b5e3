import CRdKafka
import Logging

/// Applies a group rebalance: asks the application for start offsets on assign, lets it drain on revoke.
/// Only used on the consumer's thread (librdkafka runs the rebalance callback inside consumer poll/close).
final class RebalanceHandler {
    private let onAssign: ([TopicPartition]) -> [TopicPartition: Int64]
    private let onRevoke: ([TopicPartition]) -> Void
    private let logger: Logger
    /// A failure inside the callback, thrown by the next `poll`.
    var pendingError: KafkaError?

    init(
        onAssign: @escaping ([TopicPartition]) -> [TopicPartition: Int64],
        onRevoke: @escaping ([TopicPartition]) -> Void,
        logger: Logger
    ) {
        self.onAssign = onAssign
        self.onRevoke = onRevoke
        self.logger = logger
    }

    func handle(rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let given = partitions.map { RDKafkaTopicPartitionList.entries(of: $0).map(\.topicPartition) } ?? []
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            assign(rk: rk, partitions: given, cooperative: cooperative)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            logger.info(
                "Partitions revoked",
                metadata: ["partitions": "\(given.sorted())", "lost": "\(lost)"]
            )
            onRevoke(given)
            unassign(rk: rk, partitions: partitions, cooperative: cooperative)
        default:
            logger.error("Rebalance failed: \(String(cString: rd_kafka_err2str(err))); dropping the assignment")
            onRevoke(given)
            unassign(rk: rk, partitions: partitions, cooperative: cooperative)
        }
    }

    private func assign(rk: OpaquePointer, partitions: [TopicPartition], cooperative: Bool) {
        let offsets = onAssign(partitions)
        logger.info(
            "Partitions assigned",
            metadata: ["start": "\(partitions.sorted().map { "\($0)@\(offsets[$0] ?? KafkaOffset.beginning)" })"]
        )
        do {
            let list = try RDKafkaTopicPartitionList(partitions, offsets: offsets, defaultOffset: KafkaOffset.beginning)
            if cooperative {
                if let error = list.withPointer({ rd_kafka_incremental_assign(rk, $0) }) {
                    record(KafkaError.consuming(error, context: "incremental assign of \(partitions.sorted())"))
                }
            } else {
                let result = list.withPointer { rd_kafka_assign(rk, $0) }
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    record(KafkaError(result, message: "assign of \(partitions.sorted()) failed: \(String(cString: rd_kafka_err2str(result)))"))
                }
            }
        } catch {
            record(error)
        }
    }

    private func unassign(rk: OpaquePointer, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, cooperative: Bool) {
        if cooperative, let partitions {
            if let error = rd_kafka_incremental_unassign(rk, partitions) {
                record(KafkaError.consuming(error, context: "incremental unassign"))
            }
        } else {
            let result = rd_kafka_assign(rk, nil)
            if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                record(KafkaError(result, message: "unassign failed: \(String(cString: rd_kafka_err2str(result)))"))
            }
        }
    }

    private func record(_ error: KafkaError) {
        logger.error("\(error.description)")
        if pendingError == nil { pendingError = error }
    }
}

/// Rebalance event → RebalanceHandler; runs on the thread calling rd_kafka_consumer_poll / close.
let rdKafkaRebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { rk, err, partitions, opaque in
    guard let rk else { return }
    guard let handler = RDKafkaCallbackContext.from(opaque)?.rebalance else {
        // No handler (cannot happen: installed only with one): keep librdkafka's default behaviour.
        _ = rd_kafka_assign(rk, err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? partitions : nil)
        return
    }
    handler.handle(rk: rk, err: err, partitions: partitions)
}

/// Result of an informational commit: logged only, since Kafka offsets are not the source of truth.
let rdKafkaOffsetCommitCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { _, err, _, opaque in
    guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET,
          let context = RDKafkaCallbackContext.from(opaque) else { return }
    context.logger.debug("Informational offset commit failed: \(String(cString: rd_kafka_err2str(err)))")
}

import CRdKafka

/// Sole owner of an `rd_kafka_topic_partition_list_t`.
final class RDKafkaTopicPartitionList {
    /// One element: partition, offset and per-partition error.
    struct Entry {
        var topicPartition: TopicPartition
        var offset: Int64
        var error: rd_kafka_resp_err_t
    }

    private let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// An empty list.
    init(capacity: Int = 0) throws(KafkaError) {
        guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: capacity)) else {
            throw KafkaError.state("rd_kafka_topic_partition_list_new failed (out of memory)")
        }
        pointer = list
    }

    /// A list of `partitions`, each at `offset` (`RD_KAFKA_OFFSET_INVALID` when not needed).
    convenience init(_ partitions: [TopicPartition], offsets: [TopicPartition: Int64] = [:], defaultOffset: Int64 = -1001) throws(KafkaError) {
        try self.init(capacity: partitions.count)
        for tp in partitions {
            add(tp, offset: offsets[tp] ?? defaultOffset)
        }
    }

    /// Takes ownership of a list returned by librdkafka.
    init(adopting list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        pointer = list
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(pointer)
    }

    /// Runs `body` with the raw list, keeping this owner alive until `body` returns.
    func withPointer<Result>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(pointer) }
    }

    /// Appends `tp` at `offset`.
    func add(_ tp: TopicPartition, offset: Int64) {
        if let element = rd_kafka_topic_partition_list_add(pointer, tp.topic, tp.partition) {
            element.pointee.offset = offset
        }
    }

    /// A Swift copy of the elements.
    var entries: [Entry] { Self.entries(of: pointer) }

    /// A Swift copy of a list this code does not own (e.g. the one given to the rebalance callback).
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [Entry] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map { index in
            let element = elements[index]
            let topic = element.topic.map { String(cString: $0) } ?? ""
            return Entry(
                topicPartition: TopicPartition(topic: topic, partition: element.partition),
                offset: element.offset,
                error: element.err
            )
        }
    }

    /// The first per-partition error, as a KafkaError naming the partition and `operation`.
    func firstError(operation: String) -> KafkaError? {
        guard let failed = entries.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) else { return nil }
        return KafkaError(
            failed.error,
            message: "\(operation) \(failed.topicPartition) failed: \(String(cString: rd_kafka_err2str(failed.error)))"
        )
    }
}

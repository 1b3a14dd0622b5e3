/// A record read from Kafka, with its coordinates.
public struct KafkaMessage: Sendable, Hashable {
    /// Topic it was read from.
    public var topic: String
    /// Partition it was read from.
    public var partition: Int32
    /// Its offset in the partition.
    public var offset: Int64
    /// Record key, `nil` if the record has none.
    public var key: [UInt8]?
    /// Record value, `nil` for a null value (tombstone).
    public var value: [UInt8]?
    /// Record headers in wire order.
    public var headers: [KafkaHeader]
    /// Create or log-append time in milliseconds since 1970, if the broker supplied one.
    public var timestampMilliseconds: Int64?

    /// A message with all its fields.
    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// Where this message sits.
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

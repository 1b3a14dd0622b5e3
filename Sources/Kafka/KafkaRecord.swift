/// A record to produce.
public struct KafkaRecord: Sendable {
    /// Destination topic.
    public var topic: String
    /// Record key; the default partitioner hashes it to choose the partition.
    public var key: [UInt8]?
    /// Record value.
    public var value: [UInt8]
    /// Record headers.
    public var headers: [KafkaHeader]
    /// Explicit partition; `nil` lets the partitioner choose by key.
    public var partition: Int32?
    /// Create time in milliseconds since 1970; `nil` lets librdkafka stamp the time of sending.
    public var timestampMilliseconds: Int64?

    /// A record for `topic`.
    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil,
                timestampMilliseconds: Int64? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
        self.timestampMilliseconds = timestampMilliseconds
    }
}

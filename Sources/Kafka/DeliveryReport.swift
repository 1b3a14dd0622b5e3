/// Where the broker stored a produced record.
public struct DeliveryReport: Sendable, Hashable {
    /// Topic written to.
    public var topic: String
    /// Partition written to.
    public var partition: Int32
    /// Offset assigned by the broker.
    public var offset: Int64

    /// A report for `topic[partition]@offset`.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// A topic as the cluster metadata describes it.
public struct TopicMetadata: Sendable {
    /// Topic name.
    public var name: String
    /// Its partitions, by id.
    public var partitions: [PartitionMetadata]
    /// Per-topic metadata error (e.g. leader not available), if any.
    public var error: KafkaError?

    /// A topic description.
    public init(name: String, partitions: [PartitionMetadata], error: KafkaError? = nil) {
        self.name = name
        self.partitions = partitions
        self.error = error
    }
}

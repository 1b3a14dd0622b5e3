/// A topic to create with `KafkaAdmin.createTopics`.
public struct NewTopic: Sendable {
    /// Topic name.
    public var name: String
    /// Partition count.
    public var partitions: Int32
    /// Replicas per partition.
    public var replicationFactor: Int32
    /// Topic-level configs, e.g. `retention.ms`.
    public var config: [String: String]

    /// A topic specification.
    public init(name: String, partitions: Int32, replicationFactor: Int32, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

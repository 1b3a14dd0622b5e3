import Foundation
import Kafka

/// A private mock Kafka cluster for one test, with its topics already created, so tests run side by side.
public final class TestKafkaCluster: Sendable {
    /// The running mock cluster.
    public let cluster: KafkaDevCluster
    /// Client configuration pointing at this cluster (producers, admin, consumers).
    public let config: KafkaConfig
    /// `config` plus group timings tuned for fast rebalances; consumers only (producers warn about these keys).
    public let consumerConfig: KafkaConfig

    /// Starts a cluster of `brokers` brokers and creates `topics` (name → partition count).
    public init(topics: [String: Int32], brokers: Int = 1) throws {
        cluster = try KafkaDevCluster(brokers: brokers)
        for (name, partitions) in topics.sorted(by: { $0.key < $1.key }) {
            try cluster.createTopic(name, partitions: partitions, replicationFactor: Int32(min(brokers, 3)))
        }
        config = KafkaConfig(brokers: cluster.bootstrapServers, properties: [
            "topic.metadata.refresh.interval.ms": "1000",
            "reconnect.backoff.ms": "10",
            "reconnect.backoff.max.ms": "200",
        ])
        var consumerConfig = config
        // Members learn of a rebalance through heartbeats: keep them frequent.
        consumerConfig["heartbeat.interval.ms"] = "100"
        consumerConfig["session.timeout.ms"] = "3000"
        self.consumerConfig = consumerConfig
    }

    /// Comma-separated `127.0.0.1:port` list of the brokers.
    public var bootstrapServers: String { cluster.bootstrapServers }

    /// A group id no other test uses.
    public static func uniqueGroupID(_ prefix: String = "test-group") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8))"
    }
}

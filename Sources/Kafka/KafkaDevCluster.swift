import CRdKafka
import Logging

/// librdkafka's in-process mock cluster (real Kafka protocol over TCP on 127.0.0.1).
// @unchecked Sendable: the rd_kafka_mock_* calls post operations to the cluster's own thread and are thread-safe;
// the stored properties never change.
public final class KafkaDevCluster: @unchecked Sendable {
    private let cluster: RDKafkaMockCluster
    /// Comma-separated `127.0.0.1:port` list of the mock brokers.
    public let bootstrapServers: String

    /// Starts `brokers` mock brokers listening on ephemeral ports; they stop when this object is released.
    public init(brokers: Int = 1, logger: Logger = Logger(label: "annals.kafka.dev-cluster")) throws {
        guard brokers >= 1 else { throw KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: "a dev cluster needs at least 1 broker, not \(brokers)") }
        cluster = try RDKafkaMockCluster(brokers: brokers, logger: logger)
        bootstrapServers = cluster.bootstrapServers
    }

    /// Creates a topic directly in the mock (rd_kafka_mock_topic_create); the mock has no CreateTopics API.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) throws {
        let result = rd_kafka_mock_topic_create(cluster.pointer, name, partitions, replicationFactor)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: "dev cluster: create topic \(name) (\(partitions) partitions, rf \(replicationFactor)): \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// Makes broker `id` (1-based) close its connections and refuse new ones.
    public func setBrokerDown(_ id: Int32) throws {
        let result = rd_kafka_mock_broker_set_down(cluster.pointer, id)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: "dev cluster: broker \(id) down: \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// Brings broker `id` (1-based) back.
    public func setBrokerUp(_ id: Int32) throws {
        let result = rd_kafka_mock_broker_set_up(cluster.pointer, id)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: "dev cluster: broker \(id) up: \(String(cString: rd_kafka_err2str(result)))")
        }
    }
}

/// Sole owner of an `rd_kafka_mock_cluster_t` and of the `rd_kafka_t` hosting it (destroyed after the cluster).
final class RDKafkaMockCluster {
    let pointer: OpaquePointer
    let bootstrapServers: String
    /// Must outlive the cluster: released after `deinit` destroyed the cluster.
    private let host: RDKafkaClient

    init(brokers: Int, logger: Logger) throws(KafkaError) {
        // The host client connects nowhere; keep its "no bootstrap.servers" notice quiet.
        let configuration = try RDKafkaConfiguration(["log_level": "3"])
        host = try RDKafkaClient(
            type: RD_KAFKA_PRODUCER,
            configuration: configuration,
            context: RDKafkaCallbackContext(logger: logger, handlesErrors: false)
        )
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(clamping: brokers)) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "cannot start the librdkafka mock cluster (no free port on 127.0.0.1?)")
        }
        pointer = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(pointer)
    }
}

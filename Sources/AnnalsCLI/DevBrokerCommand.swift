import ArgumentParser
import Foundation
import Kafka
import Logging
import ServiceLifecycle

struct DevBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Run librdkafka's in-memory mock Kafka cluster with the topics of Topics/, until SIGTERM.",
        discussion: """
        Speaks the Kafka protocol on 127.0.0.1 (kcat and other clients can connect). Keeps at most 5 MiB per \
        partition (librdkafka's fixed limit: older events are dropped, and replays refuse such a partition) and \
        keeps everything in memory: stopping it loses every event. Prints the bootstrap servers on standard output.
        """)

    @Option(help: "Number of mock brokers.") var brokers = 3
    @Option(help: "Also write the bootstrap servers to this file.") var bootstrapFile: String?
    @Option(help: "Directory of topic files.") var topicsDir = "Topics"

    func run() async throws {
        let specs = try TopicSpec.load(directory: topicsDir)
        let logger = Logger(label: "annals.dev-broker")
        let cluster = try KafkaDevCluster(brokers: brokers, logger: logger)
        for spec in specs {
            let replication = min(spec.replicationFactor, Int32(brokers))
            try cluster.createTopic(spec.name, partitions: spec.partitions, replicationFactor: replication)
            logger.info("created topic", metadata: [
                "topic": "\(spec.name)", "partitions": "\(spec.partitions)", "replication": "\(replication)"])
        }
        if let bootstrapFile {
            try (cluster.bootstrapServers + "\n").write(toFile: bootstrapFile, atomically: true, encoding: .utf8)
        }
        print(cluster.bootstrapServers)
        fflush(nil)
        let group = ServiceGroup(
            services: [IdleService()], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        withExtendedLifetime(cluster) {}
        logger.info("dev broker stopped")
    }
}

/// Waits for graceful shutdown; keeps a process with nothing else to do alive.
struct IdleService: Service {
    func run() async throws {
        try? await gracefulShutdown()
    }
}

import ArgumentParser
import Logging
import Postgres
import Projection
import ServiceLifecycle
import Story

/// `annals-story-worker`: projects story-event into the story schema until SIGTERM.
public struct StoryWorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-story-worker",
        abstract: "Project story-event into story.events, story.worlds and story.sequence_gaps.",
        discussion: """
        Exactly-once effect: rows and checkpoints commit in one transaction. Scale out by running more \
        workers with the same --group. SIGTERM finishes the batch in flight, commits and exits 0.
        """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Consumer group shared by every story worker.") var group = "annals-story"
    @Option(help: "Most events per transaction.") var batchSize = 5_000
    @Option(help: "Longest wait, in milliseconds, for a batch to fill.") var lingerMs = 50

    public init() {}

    public func run() async throws {
        let logger = Logger(label: "annals.story-worker")
        let configuration = RunnerConfiguration(
            kafka: try connection.kafkaConfig(), groupID: group, databaseURL: connection.databaseConninfo,
            settings: .init(maxBatch: batchSize, lingerNanoseconds: UInt64(max(lingerMs, 0)) * 1_000_000))
        logger.info("settings", metadata: [
            "kafka": "\(configuration.kafka)", "group": "\(group)", "batch-size": "\(batchSize)",
            "linger-ms": "\(lingerMs)", "database": "\(redacted(configuration.databaseURL))",
        ])
        let service = ProjectionService(projection: StoryProjection(), configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

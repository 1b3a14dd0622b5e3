import ArgumentParser
import Logging
import Postgres
import Projection
import ServiceLifecycle

/// Settings every projection worker takes.
struct WorkerOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Consumer group shared by every worker of this projection (default: annals-<projection>).")
    var group: String?
    @Option(help: "Most events per transaction.") var batchSize = 5_000
    @Option(help: "Longest wait, in milliseconds, for a batch to fill.") var lingerMs = 50

    /// Runs `projection` until SIGTERM or SIGINT: finishes the batch in flight, commits, leaves the group.
    /// `alongside` run in the same service group and stop with it; `onCommit` runs after each committed batch.
    func run(_ projection: any Projection, logger: Logger, alongside: [any Service] = [],
             onCommit: @escaping @Sendable (CommittedBatch) -> Void = { _ in }) async throws {
        let group = group ?? "annals-\(projection.name)"
        let configuration = RunnerConfiguration(
            kafka: try connection.kafkaConfig(), groupID: group, databaseURL: connection.databaseConninfo,
            settings: .init(maxBatch: batchSize, lingerNanoseconds: UInt64(max(lingerMs, 0)) * 1_000_000))
        logger.info("settings", metadata: [
            "projection": "\(projection.name)", "kafka": "\(configuration.kafka)", "group": "\(group)",
            "batch-size": "\(batchSize)", "linger-ms": "\(lingerMs)", "database": "\(redacted(configuration.databaseURL))",
        ])
        let service = ProjectionService(projection: projection, configuration: configuration, logger: logger, onCommit: onCommit)
        let serviceGroup = ServiceGroup(services: [service] + alongside, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await serviceGroup.run()
    }
}

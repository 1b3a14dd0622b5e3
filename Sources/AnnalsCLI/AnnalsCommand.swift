import ArgumentParser
import Foundation

/// `annals`: the operator's command line.
public struct AnnalsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals",
        abstract: "Operate the Annals event-sourced projection pipeline.",
        discussion: """
        Kafka brokers come from --brokers or KAFKA_BROKERS; the database from --database-url or \
        DATABASE_URL (else libpq's PG* variables). Run `annals dev-broker` for a local Kafka.
        """,
        subcommands: [
            MigrateCommand.self, TopicsCommand.self, PublishCommand.self, IngestCommand.self, ReplayCommand.self,
            StatusCommand.self, VerifyCommand.self, ChecksumCommand.self, SearchCommand.self, ConceptCommand.self,
            BacktestCommand.self, CostCommand.self, ArchiveCommand.self, RestoreCommand.self, DevBrokerCommand.self,
            DeadLetterCommand.self, LoadgenCommand.self,
        ])

    public init() {}
}

/// Logs go to standard error so standard output stays for results: as text unless `ANNALS_LOG_FORMAT` says json,
/// at `ANNALS_LOG_LEVEL` (default info). For the `annals` command line; the workers read `--log-format` and
/// `--log-level` too, and default to json (see `WorkerCommand.launch()`).
public func bootstrapLogging(environment: [String: String] = ProcessInfo.processInfo.environment) {
    let settings: LoggingSettings
    do {
        settings = try LoggingSettings.resolve(format: nil, level: nil, environment: environment, defaultFormat: .text)
    } catch {
        StandardError.write("annals: \(error); logging as text\n")
        LoggingSettings(format: .text).bootstrap()
        return
    }
    settings.bootstrap()
}

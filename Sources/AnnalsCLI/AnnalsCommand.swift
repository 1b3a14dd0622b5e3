import ArgumentParser
import Logging

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
            BacktestCommand.self, DevBrokerCommand.self, DeadLetterCommand.self,
        ])

    public init() {}
}

/// Logs go to standard error so standard output stays for results.
public func bootstrapLogging(level: Logger.Level = .info) {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}

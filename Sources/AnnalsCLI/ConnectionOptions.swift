import ArgumentParser
import Foundation
import Kafka

/// Where Kafka and Postgres are, and the secrets to reach them: flags first, then the environment. Secrets can come
/// from files (mounted secrets) so they appear neither on a command line nor in the environment.
struct ConnectionOptions: ParsableArguments {
    @OptionGroup var kafka: KafkaOptions

    @Option(help: ArgumentHelp(
        "PostgreSQL URL or libpq conninfo (default: $DATABASE_URL, else the file $DATABASE_URL_FILE, else libpq's PG* variables).",
        valueName: "url"))
    var databaseURL: String?

    @Option(help: ArgumentHelp(
        "File holding the PostgreSQL URL or conninfo, e.g. a mounted secret; a trailing newline is ignored.",
        valueName: "path"))
    var databaseURLFile: String?

    /// The environment variables standing for these options; either database variable overrides both options in a
    /// settings file.
    static let environmentVariables: [String: [String]] = KafkaOptions.environmentVariables.merging([
        "database-url": ["DATABASE_URL", "DATABASE_URL_FILE"],
        "database-url-file": ["DATABASE_URL", "DATABASE_URL_FILE"],
    ]) { first, _ in first }

    /// The brokers and extra properties, or an error saying how to give them.
    func kafkaConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KafkaConfig {
        try kafka.kafkaConfig(environment: environment)
    }

    /// The database conninfo; empty means libpq's defaults (PG* variables, .pgpass).
    var databaseConninfo: String {
        get throws { try databaseConninfo(environment: ProcessInfo.processInfo.environment) }
    }

    /// The flag, else its file, else DATABASE_URL, else DATABASE_URL_FILE's contents, else "" (libpq's defaults).
    func databaseConninfo(environment: [String: String]) throws -> String {
        try Self.databaseConninfo(url: databaseURL, file: databaseURLFile, environment: environment)
    }

    /// The database conninfo from `--database-url`, else `--database-url-file`, else the environment, else "".
    static func databaseConninfo(url: String?, file: String?, environment: [String: String]) throws -> String {
        if url != nil, file != nil {
            throw CLIError("--database-url and --database-url-file contradict each other: give one")
        }
        if let url { return url }
        if let file { return try SecretFile.read(file, for: "--database-url-file") }
        return try SecretFile.environment("DATABASE_URL", file: "DATABASE_URL_FILE", environment: environment) ?? ""
    }
}

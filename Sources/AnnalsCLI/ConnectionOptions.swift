import ArgumentParser
import Foundation
import Kafka

/// Where Kafka and Postgres are: flags first, then the environment.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, e.g. 127.0.0.1:9092 (default: $KAFKA_BROKERS).")
    var brokers: String?

    @Option(help: ArgumentHelp(
        "PostgreSQL URL or libpq conninfo (default: $DATABASE_URL, else libpq's PG* variables).",
        valueName: "url"))
    var databaseURL: String?

    /// The brokers, or an error saying how to give them.
    func kafkaConfig() throws -> KafkaConfig {
        guard let brokers = brokers ?? ProcessInfo.processInfo.environment["KAFKA_BROKERS"], !brokers.isEmpty else {
            throw CLIError("no Kafka brokers: pass --brokers or set KAFKA_BROKERS")
        }
        return KafkaConfig(brokers: brokers)
    }

    /// The database conninfo; empty means libpq's defaults (PG* variables, .pgpass).
    var databaseConninfo: String {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    }
}

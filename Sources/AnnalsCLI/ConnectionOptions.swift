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

    @Option(name: .customLong("kafka-property"), help: ArgumentHelp(
        "Any other librdkafka property, e.g. session.timeout.ms=10000 or security.protocol=SSL (repeatable).",
        valueName: "key=value"))
    var kafkaProperties: [String] = []

    /// The brokers and extra properties, or an error saying how to give them.
    func kafkaConfig() throws -> KafkaConfig {
        guard let brokers = brokers ?? ProcessInfo.processInfo.environment["KAFKA_BROKERS"], !brokers.isEmpty else {
            throw CLIError("no Kafka brokers: pass --brokers or set KAFKA_BROKERS")
        }
        var config = KafkaConfig(brokers: brokers)
        for property in kafkaProperties {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw CLIError("--kafka-property \(property): expected key=value")
            }
            config[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        return config
    }

    /// The database conninfo; empty means libpq's defaults (PG* variables, .pgpass).
    var databaseConninfo: String {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    }
}

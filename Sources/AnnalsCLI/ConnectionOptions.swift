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

    @Option(name: [.customShort("X"), .customLong("kafka-property")], help: ArgumentHelp(
        "Any librdkafka property, e.g. -X session.timeout.ms=6000 or -X security.protocol=SASL_SSL (repeatable).",
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
                throw CLIError("-X \(property): expected key=value, e.g. -X session.timeout.ms=6000")
            }
            config[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        do {
            try config.validate()
        } catch {
            throw CLIError(Self.refusal(error, given: config))
        }
        return config
    }

    /// librdkafka's reason, and the -X properties given (secrets redacted): its reason does not always name the
    /// property (e.g. "Unsupported SASL mechanism: NOPE").
    static func refusal(_ error: KafkaError, given config: KafkaConfig) -> String {
        var given = config
        given["bootstrap.servers"] = nil
        let properties = given.description.dropFirst("KafkaConfig(".count).dropLast()
        return "librdkafka refused the Kafka settings: \(error.message)"
            + (properties.isEmpty ? "" : "; the -X properties given: \(properties)")
            + ". Each property's values are listed in librdkafka's CONFIGURATION.md"
    }

    /// The database conninfo; empty means libpq's defaults (PG* variables, .pgpass).
    var databaseConninfo: String {
        databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    }
}

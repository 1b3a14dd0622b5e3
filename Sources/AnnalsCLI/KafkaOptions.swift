import ArgumentParser
import Foundation
import Kafka

/// Where Kafka is, and the secrets to reach it: flags first, then the environment. Secrets can come from files
/// (mounted secrets) so they appear neither on a command line nor in the environment.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, e.g. 127.0.0.1:9092 (default: $KAFKA_BROKERS).")
    var brokers: String?

    @Option(name: [.customShort("X"), .customLong("kafka-property")], help: ArgumentHelp(
        "Any librdkafka property, e.g. -X session.timeout.ms=6000 or -X security.protocol=SASL_SSL (repeatable).",
        valueName: "key=value"))
    var kafkaProperties: [String] = []

    @Option(name: .customLong("kafka-property-file"), help: ArgumentHelp(
        "A librdkafka property whose value is in a file, for secrets, e.g. --kafka-property-file "
            + "sasl.password=/run/secrets/kafka (repeatable; a trailing newline is ignored). Without one for "
            + "sasl.password, it comes from $ANNALS_KAFKA_SASL_PASSWORD, else the file $ANNALS_KAFKA_SASL_PASSWORD_FILE.",
        valueName: "key=path"))
    var kafkaPropertyFiles: [String] = []

    /// The environment variables standing for these options.
    static let environmentVariables: [String: [String]] = ["brokers": ["KAFKA_BROKERS"]]

    /// The brokers and extra properties, or an error saying how to give them.
    func kafkaConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KafkaConfig {
        guard let brokers = brokers ?? environment["KAFKA_BROKERS"], !brokers.isEmpty else {
            throw CLIError("no Kafka brokers: pass --brokers or set KAFKA_BROKERS")
        }
        var config = KafkaConfig(brokers: brokers)
        for property in kafkaProperties {
            let (key, value) = try Self.split(property, option: "-X", example: "-X session.timeout.ms=6000")
            config[key] = value
        }
        var fromFiles: Set<String> = []
        for property in kafkaPropertyFiles {
            let (key, path) = try Self.split(property, option: "--kafka-property-file",
                                             example: "--kafka-property-file sasl.password=/run/secrets/kafka")
            guard config[key] == nil || fromFiles.contains(key), fromFiles.insert(key).inserted else {
                throw CLIError("Kafka property \(key) is given more than once by -X and --kafka-property-file: keep one")
            }
            config[key] = try SecretFile.read(path, for: "--kafka-property-file \(key)")
        }
        if config["sasl.password"] == nil {
            config["sasl.password"] = try SecretFile.environment(
                "ANNALS_KAFKA_SASL_PASSWORD", file: "ANNALS_KAFKA_SASL_PASSWORD_FILE", environment: environment)
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

    /// `key=value` split at the first `=`; the error never quotes a secret property's value.
    private static func split(_ property: String, option: String, example: String) throws -> (String, String) {
        guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
            // Without `=` there is no telling where a key ends and a value starts (`sasl.password:hunter2`).
            let shown = KafkaConfig.isSecret(property) ? "<redacted>" : property
            throw CLIError("\(option) \(shown): expected key=value, e.g. \(example)")
        }
        return (String(property[..<equals]), String(property[property.index(after: equals)...]))
    }
}

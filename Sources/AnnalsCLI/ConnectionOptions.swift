import ArgumentParser
import Foundation
import Kafka

/// Where Kafka and Postgres are, and the secrets to reach them: flags first, then the environment. Secrets can come
/// from files (mounted secrets) so they appear neither on a command line nor in the environment.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, e.g. 127.0.0.1:9092 (default: $KAFKA_BROKERS).")
    var brokers: String?

    @Option(help: ArgumentHelp(
        "PostgreSQL URL or libpq conninfo (default: $DATABASE_URL, else the file $DATABASE_URL_FILE, else libpq's PG* variables).",
        valueName: "url"))
    var databaseURL: String?

    @Option(help: ArgumentHelp(
        "File holding the PostgreSQL URL or conninfo, e.g. a mounted secret; a trailing newline is ignored.",
        valueName: "path"))
    var databaseURLFile: String?

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

    /// The environment variables standing for these options; either database variable overrides both options in a
    /// settings file.
    static let environmentVariables: [String: [String]] = [
        "brokers": ["KAFKA_BROKERS"],
        "database-url": ["DATABASE_URL", "DATABASE_URL_FILE"],
        "database-url-file": ["DATABASE_URL", "DATABASE_URL_FILE"],
    ]

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
            config["sasl.password"] = try Self.environmentSecret(
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
        return try environmentSecret("DATABASE_URL", file: "DATABASE_URL_FILE", environment: environment) ?? ""
    }

    /// The value of `variable`, else the contents of the file `file` names, else nil; both set is an error.
    private static func environmentSecret(_ variable: String, file: String, environment: [String: String]) throws -> String? {
        let value = environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        let path = environment[file].flatMap { $0.isEmpty ? nil : $0 }
        switch (value, path) {
        case (.some, .some):
            throw CLIError("\(variable) and \(file) are both set: unset one")
        case (.some(let value), nil):
            return value
        case (nil, .some(let path)):
            return try SecretFile.read(path, for: file)
        case (nil, nil):
            return nil
        }
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

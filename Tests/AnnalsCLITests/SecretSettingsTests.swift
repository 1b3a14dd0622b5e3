@testable import AnnalsCLI
import Foundation
import Kafka
import Logging
import Projection
import Scaling
import Testing

/// Secrets come from flags, the environment or files, and never appear in the settings line or in errors.
@Suite struct SecretSettingsTests {
    static let databasePassword = "pg-Secr3t/9@x"
    static let encodedDatabasePassword = "pg-Secr3t%2F9%40x"
    static let kafkaPassword = "kafka-Secr3t-5c1e"

    /// A file holding `text` in a fresh directory, removed by the caller.
    static func secretFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/annals-secret-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func connection(_ arguments: [String]) throws -> ConnectionOptions {
        try ConnectionOptions.parse(arguments)
    }

    static func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    // MARK: - The database URL

    @Test func theDatabaseURLComesFromItsFlagItsFileOrTheEnvironment() throws {
        let url = "postgres://annals:\(Self.encodedDatabasePassword)@db:5432/annals"
        let file = try Self.secretFile(url + "\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try Self.connection(["--database-url", "postgres://flag"]).databaseConninfo(environment: ["DATABASE_URL": "x"])
            == "postgres://flag")
        #expect(try Self.connection(["--database-url-file", file]).databaseConninfo(environment: ["DATABASE_URL": "x"]) == url)
        #expect(try Self.connection([]).databaseConninfo(environment: ["DATABASE_URL": "postgres://env"]) == "postgres://env")
        #expect(try Self.connection([]).databaseConninfo(environment: ["DATABASE_URL_FILE": file]) == url)
        #expect(try Self.connection([]).databaseConninfo(environment: [:]) == "", "libpq's defaults")
    }

    @Test func twoWaysOfGivingTheDatabaseAreRefused() throws {
        #expect(Self.message { try Self.connection(["--database-url", "a", "--database-url-file", "b"]).databaseConninfo(environment: [:]) }
            == "--database-url and --database-url-file contradict each other: give one")
        #expect(Self.message { try Self.connection([]).databaseConninfo(environment: ["DATABASE_URL": "a", "DATABASE_URL_FILE": "b"]) }
            == "DATABASE_URL and DATABASE_URL_FILE are both set: unset one")
    }

    @Test func aSecretFileThatCannotBeUsedIsNamedButNeverQuoted() throws {
        #expect(Self.message { try Self.connection(["--database-url-file", "/nonexistent/db"]).databaseConninfo(environment: [:]) }
            == "cannot read /nonexistent/db, named by --database-url-file: No such file or directory")
        let empty = try Self.secretFile("\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(Self.message { try Self.connection([]).databaseConninfo(environment: ["DATABASE_URL_FILE": empty]) }
            == "\(empty), named by DATABASE_URL_FILE, is empty")
    }

    // MARK: - Kafka secrets

    static let saslArguments = ["--brokers", "b:9092", "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanism=PLAIN",
                                "-X", "sasl.username=u"]

    @Test func aKafkaPropertyCanBeReadFromAFile() throws {
        let file = try Self.secretFile(Self.kafkaPassword + "\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let config = try Self.connection(Self.saslArguments + ["--kafka-property-file", "sasl.password=\(file)"])
            .kafkaConfig(environment: [:])
        #expect(config["sasl.password"] == Self.kafkaPassword)
        #expect(config["sasl.username"] == "u")
    }

    @Test func theSASLPasswordCanComeFromTheEnvironmentOrAFileItNames() throws {
        let file = try Self.secretFile(Self.kafkaPassword)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let options = try Self.connection(Self.saslArguments)
        #expect(try options.kafkaConfig(environment: ["ANNALS_KAFKA_SASL_PASSWORD": "from-env"])["sasl.password"] == "from-env")
        #expect(try options.kafkaConfig(environment: ["ANNALS_KAFKA_SASL_PASSWORD_FILE": file])["sasl.password"] == Self.kafkaPassword)
        // Without a password anywhere, librdkafka refuses the settings when the command starts.
        #expect(Self.message { try options.kafkaConfig(environment: [:]) }.contains("sasl.username and sasl.password must be set"))
        let given = try Self.connection(Self.saslArguments + ["-X", "sasl.password=from-flag"])
        #expect(try given.kafkaConfig(environment: ["ANNALS_KAFKA_SASL_PASSWORD_FILE": file])["sasl.password"] == "from-flag")
        #expect(Self.message { try options.kafkaConfig(environment: ["ANNALS_KAFKA_SASL_PASSWORD": "a", "ANNALS_KAFKA_SASL_PASSWORD_FILE": file]) }
            == "ANNALS_KAFKA_SASL_PASSWORD and ANNALS_KAFKA_SASL_PASSWORD_FILE are both set: unset one")
    }

    @Test func aKafkaPropertyGivenTwoWaysIsRefused() throws {
        let file = try Self.secretFile(Self.kafkaPassword)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let text = Self.message {
            try Self.connection(Self.saslArguments + ["-X", "sasl.password=\(Self.kafkaPassword)", "--kafka-property-file", "sasl.password=\(file)"])
                .kafkaConfig(environment: [:])
        }
        #expect(text == "Kafka property sasl.password is given more than once by -X and --kafka-property-file: keep one")
    }

    @Test func aMalformedSecretPropertyIsNotQuoted() {
        let text = Self.message { try Self.connection(["--brokers", "b", "-X", "sasl.password:\(Self.kafkaPassword)"]).kafkaConfig(environment: [:]) }
        #expect(text == "-X <redacted>: expected key=value, e.g. -X session.timeout.ms=6000")
        let plain = Self.message { try Self.connection(["--brokers", "b", "-X", "session.timeout.ms"]).kafkaConfig(environment: [:]) }
        #expect(plain.hasPrefix("-X session.timeout.ms: expected key=value"))
    }

    @Test(arguments: ["sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
                      "ssl.key.pem", "sasl.oauthbearer.config", "sasl.jaas.config", "some.future.token", "my.secret"])
    func secretKafkaPropertiesAreRedacted(key: String) {
        var config = KafkaConfig(brokers: "b:9092")
        config[key] = Self.kafkaPassword
        config["sasl.username"] = "visible-user"
        let description = "\(config)"
        #expect(!description.contains(Self.kafkaPassword), "\(description)")
        #expect(description.contains("\(key)=<redacted>") && description.contains("sasl.username=visible-user"))
    }

    // MARK: - The settings line

    @Test func theSettingsLineRedactsEverySecretAndSaysWhereSettingsCameFrom() throws {
        let options = try WorkerOptions.parse(Self.saslArguments + [
            "-X", "sasl.password=\(Self.kafkaPassword)",
            "--database-url", "postgres://annals:\(Self.encodedDatabasePassword)@db:5432/annals?sslmode=require",
        ])
        let configuration = RunnerConfiguration(
            kafka: try options.connection.kafkaConfig(environment: [:]), groupID: "annals-story",
            databaseURL: try options.connection.databaseConninfo(environment: [:]), settings: .init(maxBatch: 10, lingerNanoseconds: 0))
        let report = SettingsReport(configPath: "/etc/annals/story.yaml", sources: "batch-size=file brokers=flag",
                                    logging: LoggingSettings(format: .json))
        let metadata = options.effectiveSettings(projection: "story", configuration: configuration, httpPort: 9464, report: report)
        let line = JSONLogHandler.line(timestamp: "t", level: .info, label: "annals.story-worker", message: "settings",
                                       metadata: metadata, source: "AnnalsCLI")
        for secret in [Self.kafkaPassword, Self.databasePassword, Self.encodedDatabasePassword, "pg-Secr3t"] {
            #expect(!line.contains(secret), "\(secret) in \(line)")
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["database"] == "postgres://annals:xxxxx@db:5432/annals?sslmode=require")
        #expect(object["kafka"]?.contains("sasl.password=<redacted>") == true)
        #expect(object["kafka"]?.contains("sasl.username=u") == true)
        #expect(object["sources"] == "batch-size=file brokers=flag" && object["config"] == "/etc/annals/story.yaml")
        #expect(object["log-format"] == "json" && object["http"] == "0.0.0.0:9464" && object["group"] == "annals-story")
    }

    @Test func aRunnerConfigurationPrintsNoSecretHoweverItIsPrinted() throws {
        var kafka = KafkaConfig(brokers: "b:9092")
        kafka["sasl.password"] = Self.kafkaPassword
        let configuration = RunnerConfiguration(
            kafka: kafka, groupID: "g", databaseURL: "host=db user=annals password='\(Self.databasePassword)' dbname=annals")
        var dumped = ""
        dump(configuration, to: &dumped)
        // ServiceLifecycle logs its services at debug level: a service holding a configuration is printed too.
        let service = ProjectionService(projection: ScalingProjection(), configuration: configuration, logger: .init(label: "t"))
        var dumpedService = ""
        dump(service, to: &dumpedService)
        let heartbeat = WorkerHeartbeat(identity: .current(projection: "scaling", group: "g", httpEndpoint: nil),
                                        databaseURL: configuration.databaseURL, health: RunnerHealth(), logger: .init(label: "t"))
        for text in ["\(configuration)", String(reflecting: configuration), dumped, "\([configuration])", "\(service)",
                     String(reflecting: service), dumpedService, "\([service])", "\(heartbeat)", String(reflecting: heartbeat)] {
            #expect(!text.contains("pg-Secr3t") && !text.contains(Self.kafkaPassword), "\(text)")
        }
        #expect("\(configuration)".contains("password=xxxxx"))
        #expect("\(service)" == "ProjectionService(scaling)")
    }
}

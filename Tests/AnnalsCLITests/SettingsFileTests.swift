@testable import AnnalsCLI
import Foundation
import Testing

/// Worker settings from flags, the environment and a YAML file, in that order of precedence.
@Suite struct SettingsFileTests {
    static let story = CommandOptions(of: StoryWorkerCommand.self)

    static func file(_ yaml: String, options: CommandOptions = story) throws -> SettingsFile {
        try SettingsFile.parse(yaml, path: "story.yaml", options: options)
    }

    /// The story worker as it would run with this command line, file and environment.
    static func story(_ arguments: [String], file yaml: String? = nil, environment: [String: String] = [:]) throws
        -> (command: StoryWorkerCommand, resolution: SettingsResolution) {
        let resolution = SettingsResolution(commandLine: arguments, file: try yaml.map { try file($0) }, options: story,
                                            environmentVariables: StoryWorkerCommand.environmentVariables,
                                            environment: environment)
        return (try StoryWorkerCommand.parse(resolution.arguments), resolution)
    }

    static func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    // MARK: - The options a worker has

    @Test func everyWorkerKnowsItsOptionsFromItsOwnDefinition() {
        let story = Self.story
        for name in ["brokers", "database-url", "database-url-file", "kafka-property", "kafka-property-file", "group",
                     "batch-size", "linger-ms", "http-port", "http-host", "stall-seconds", "log-format", "log-level", "config"] {
            #expect(story.byName[name] != nil, "story worker: --\(name)")
        }
        #expect(story.byName["kafka-property"] == .init(name: "kafka-property", shortNames: ["X"], takesValue: true, isRepeating: true))
        #expect(story.byName["batch-size"] == .init(name: "batch-size", shortNames: [], takesValue: true, isRepeating: false))
        #expect(story.byName["help"] == nil)
        let kb = CommandOptions(of: KnowledgeBaseWorkerCommand.self)
        #expect(kb.byName["embedding-no-key"]?.takesValue == false)
        #expect(kb.byName["dimension"] != nil && kb.byName["embedder"] != nil)
        #expect(CommandOptions(of: MetricsWorkerCommand.self).byName["policy"] != nil)
        let scaling = CommandOptions(of: ScalingWorkerCommand.self)
        #expect(scaling.byName["ecs-service"]?.isRepeating == true && scaling.byName["asg"]?.isRepeating == true)
    }

    @Test func everyEnvironmentVariableStandsForARealOption() {
        let workers: [(any WorkerCommand.Type, CommandOptions)] = [
            (StoryWorkerCommand.self, Self.story), (KnowledgeBaseWorkerCommand.self, CommandOptions(of: KnowledgeBaseWorkerCommand.self)),
            (MetricsWorkerCommand.self, CommandOptions(of: MetricsWorkerCommand.self)),
            (ScalingWorkerCommand.self, CommandOptions(of: ScalingWorkerCommand.self)),
        ]
        for (command, options) in workers {
            for name in command.environmentVariables.keys {
                #expect(options.byName[name] != nil, "\(command): \(name)")
            }
        }
    }

    // MARK: - The file

    @Test func aFileMapsOptionNamesToValues() throws {
        let file = try Self.file("""
            brokers: 127.0.0.1:9092
            batch-size: 500
            kafka-property: ["session.timeout.ms=6000", "heartbeat.interval.ms=200"]
            database-url-file: /run/secrets/db
            """)
        #expect(file.entries == [
            .init(key: "brokers", values: ["127.0.0.1:9092"]), .init(key: "batch-size", values: ["500"]),
            .init(key: "kafka-property", values: ["session.timeout.ms=6000", "heartbeat.interval.ms=200"]),
            .init(key: "database-url-file", values: ["/run/secrets/db"]),
        ])
    }

    @Test func aRepeatableOptionTakesAMappingAndAFlagTakesABoolean() throws {
        let kb = CommandOptions(of: KnowledgeBaseWorkerCommand.self)
        let file = try Self.file("""
            kafka-property:
              security.protocol: SASL_SSL
              session.timeout.ms: 6000
            embedding-no-key: true
            embedding-request-dimension: false
            """, options: kb)
        #expect(file.entries == [
            .init(key: "kafka-property", values: ["security.protocol=SASL_SSL", "session.timeout.ms=6000"]),
            .init(key: "embedding-no-key", values: []),
            .init(key: "embedding-request-dimension", values: [], isOn: false),
        ])
    }

    @Test func anEmptyFileSetsNothing() throws {
        #expect(try Self.file("").entries.isEmpty)
        #expect(try Self.file("# nothing yet\n").entries.isEmpty)
    }

    @Test func anUnknownKeyIsNamedWithTheFileAndTheValidKeys() {
        let text = Self.message { try Self.file("batch-size: 5\nbrokerz: 127.0.0.1:9092\n") }
        #expect(text.contains("settings file story.yaml"), "\(text)")
        #expect(text.contains("line 2: brokerz is not an option of this worker"), "\(text)")
        #expect(text.contains("valid keys: batch-bytes, batch-size, brokers, database-url, database-url-file, event-time-horizon-seconds, group"), "\(text)")
        #expect(!text.contains("config,") && !text.contains("help"), "\(text)")
    }

    @Test(arguments: [
        ("config: other.yaml", "line 1: config cannot be set in a settings file"),
        ("batch-size: [1, 2]", "line 1: batch-size takes one value, not a list or a mapping"),
        ("batch-size:", "line 1: batch-size has no value"),
        ("brokers: a\nbrokers: b", "duplicated key(s): 'brokers'"),
        ("kafka-property: [[a]]", "line 1: kafka-property must be a list of plain values"),
        ("- batch-size", "must be a mapping of option names to values"),
        ("batch-size: [unclosed", "is not YAML"),
    ])
    func aProblemInTheFileIsNamedWithItsLine(yaml: String, expected: String) {
        let text = Self.message { try Self.file(yaml) }
        #expect(text.contains(expected), "\(text)")
    }

    @Test func aFlagNeedsTrueOrFalse() {
        let kb = CommandOptions(of: KnowledgeBaseWorkerCommand.self)
        let text = Self.message { try Self.file("embedding-no-key: maybe", options: kb) }
        #expect(text.contains("line 1: embedding-no-key is a flag: give true or false"), "\(text)")
    }

    @Test func anUnreadableFileIsNamed() {
        let text = Self.message { try SettingsFile.load(path: "/nonexistent/annals.yaml", options: Self.story) }
        #expect(text == "cannot read the settings file /nonexistent/annals.yaml: No such file or directory "
            + "(it was named by --config or ANNALS_CONFIG)")
    }

    // MARK: - Precedence: flag > environment > file > default

    @Test func theFileSetsWhatNothingElseDoes() throws {
        let (command, resolution) = try Self.story([], file: "batch-size: 500\nlinger-ms: 7\ngroup: -odd-name")
        #expect(command.worker.batchSize == 500 && command.worker.lingerMs == 7 && command.worker.group == "-odd-name")
        #expect(command.worker.stallSeconds == 60, "the default")
        #expect(resolution.sources == ["batch-size": .file, "linger-ms": .file, "group": .file])
    }

    @Test func aFlagWinsOverTheFile() throws {
        let (command, resolution) = try Self.story(["--batch-size", "20"], file: "batch-size: 500\nlinger-ms: 7")
        #expect(command.worker.batchSize == 20 && command.worker.lingerMs == 7)
        #expect(resolution.sourcesDescription == "batch-size=flag linger-ms=file")
    }

    @Test func theEnvironmentWinsOverTheFile() throws {
        let environment = ["KAFKA_BROKERS": "env-broker:9092", "DATABASE_URL_FILE": "/run/secrets/db"]
        let (command, resolution) = try Self.story(
            [], file: "brokers: file-broker:9092\ndatabase-url: postgres://file\nbatch-size: 9", environment: environment)
        #expect(try command.worker.connection.kafkaConfig(environment: environment).brokers == "env-broker:9092")
        #expect(command.worker.connection.databaseURL == nil, "DATABASE_URL_FILE outranks the file's database-url")
        #expect(resolution.sources == ["brokers": .environment("KAFKA_BROKERS"),
                                       "database-url": .environment("DATABASE_URL_FILE"),
                                       "database-url-file": .environment("DATABASE_URL_FILE"), "batch-size": .file])
    }

    @Test func aFlagWinsOverTheEnvironment() throws {
        let environment = ["KAFKA_BROKERS": "env-broker:9092"]
        let (command, resolution) = try Self.story(["--brokers", "flag-broker:9092"], environment: environment)
        #expect(try command.worker.connection.kafkaConfig(environment: environment).brokers == "flag-broker:9092")
        #expect(resolution.sources["brokers"] == .commandLine)
    }

    @Test func repeatableOptionsAddTheCommandLinesValuesAfterTheFilesAndALaterKafkaKeyWins() throws {
        let (command, resolution) = try Self.story(
            ["-X", "session.timeout.ms=9000", "--brokers", "b:9092"],
            file: "kafka-property: [session.timeout.ms=6000, client.id=from-file]")
        let config = try command.worker.connection.kafkaConfig(environment: [:])
        #expect(config["session.timeout.ms"] == "9000" && config["client.id"] == "from-file")
        #expect(resolution.sources["kafka-property"] == .fileAndCommandLine)
    }

    @Test func aFlagInTheFileIsOnOrOff() throws {
        let kb = CommandOptions(of: KnowledgeBaseWorkerCommand.self)
        for (yaml, expected) in [("embedding-no-key: true", true), ("embedding-no-key: false", false)] {
            let resolution = SettingsResolution(
                commandLine: [], file: try Self.file(yaml, options: kb), options: kb,
                environmentVariables: KnowledgeBaseWorkerCommand.environmentVariables, environment: [:])
            #expect(try KnowledgeBaseWorkerCommand.parse(resolution.arguments).embedding.embeddingNoKey == expected, "\(yaml)")
        }
    }

    @Test func theLastSingleValueWinsWhenAnOptionIsGivenTwice() throws {
        #expect(try StoryWorkerCommand.parse(["--batch-size", "1", "--batch-size=2"]).worker.batchSize == 2)
    }

    @Test func valuesOfAnOptionAreFoundInEveryForm() {
        let arguments = ["--config", "a.yaml", "--group", "--config", "--config=b.yaml", "-Xa=1", "-X", "b=2", "--", "--config", "c"]
        #expect(SettingsResolution.values(of: "config", in: arguments, options: Self.story) == ["a.yaml", "b.yaml"])
        #expect(SettingsResolution.values(of: "kafka-property", in: arguments, options: Self.story) == ["a=1", "b=2"])
    }

    // MARK: - Start-up: the file, then logging

    @Test func startupReadsTheFileNamedByTheFlagOrTheEnvironment() throws {
        var read: [String] = []
        let reader: (String, CommandOptions) throws -> SettingsFile = { path, options in
            read.append(path)
            return try SettingsFile.parse("log-format: text\nlog-level: debug", path: path, options: options)
        }
        let byFlag = try WorkerStartup(arguments: ["--config", "flag.yaml"], environment: ["ANNALS_CONFIG": "env.yaml"],
                                       options: Self.story, environmentVariables: StoryWorkerCommand.environmentVariables,
                                       readFile: reader)
        #expect(read == ["flag.yaml"])
        #expect(byFlag.logging == LoggingSettings(format: .text, level: .debug))
        #expect(byFlag.report.configPath == "flag.yaml")
        #expect(byFlag.report.sources == "config=flag log-format=file log-level=file")

        let byEnvironment = try WorkerStartup(
            arguments: ["--log-level", "error"], environment: ["ANNALS_CONFIG": "env.yaml", "ANNALS_LOG_FORMAT": "json"],
            options: Self.story, environmentVariables: StoryWorkerCommand.environmentVariables, readFile: reader)
        #expect(read == ["flag.yaml", "env.yaml"])
        #expect(byEnvironment.logging == LoggingSettings(format: .json, level: .error))
    }

    @Test func withoutAFileWorkersLogJSONAtInfo() throws {
        let startup = try WorkerStartup(arguments: [], environment: [:], options: Self.story,
                                        environmentVariables: StoryWorkerCommand.environmentVariables)
        #expect(startup.logging == LoggingSettings(format: .json, level: .info))
        #expect(startup.report == SettingsReport(configPath: nil, sources: "", logging: startup.logging))
        #expect(startup.resolution.arguments.isEmpty)
    }

    @Test func aBadLogFormatInTheFileIsAnError() {
        let text = Self.message {
            try WorkerStartup(arguments: [], environment: [:], options: Self.story,
                              environmentVariables: StoryWorkerCommand.environmentVariables,
                              readFile: { path, options in try SettingsFile.parse("log-format: yaml", path: path, options: options) })
        }
        #expect(text == "no error", "no file named, none read")
        let named = Self.message {
            try WorkerStartup(arguments: ["--config=x.yaml"], environment: [:], options: Self.story,
                              environmentVariables: StoryWorkerCommand.environmentVariables,
                              readFile: { path, options in try SettingsFile.parse("log-format: yaml", path: path, options: options) })
        }
        #expect(named == "--log-format yaml is not a log format: use json or text")
    }
}

import ArgumentParser
import Kafka
import Logging

struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage the event topics declared in Topics/.",
        subcommands: [Apply.self])

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create missing topics and report live topics whose settings differ from their files.",
            discussion: """
            Running it twice changes nothing. It never alters an existing topic: differences are reported and \
            the command exits 1. Settings a broker cannot describe are named as unchecked.
            """)

        @Option(help: "Directory of topic files.") var topicsDir = "Topics"
        @OptionGroup var connection: ConnectionOptions

        func run() throws {
            let specs = try TopicSpec.load(directory: topicsDir)
            let admin = try KafkaAdmin(config: try connection.kafkaConfig(), logger: Logger(label: "annals.topics"))
            var live = try admin.topics()
            var configs: [String: [String: String]]?
            do {
                configs = try admin.describeTopicConfigs(
                    specs.map(\.name).filter { name in live.contains { $0.name == name } }, timeoutMilliseconds: 3_000)
            } catch {
                let keys = Set(specs.flatMap(\.kafkaConfig.keys)).sorted().joined(separator: ", ")
                print("note: could not check \(keys) (\(error)); checked partitions and replicas only")
            }
            var plan = TopicPlan(specs: specs, live: live, liveConfigs: configs)
            if !plan.missing.isEmpty {
                let results = try admin.createTopics(plan.missing.map {
                    NewTopic(name: $0.name, partitions: $0.partitions, replicationFactor: $0.replicationFactor, config: $0.kafkaConfig)
                })
                for spec in plan.missing {
                    if let error = results[spec.name] ?? nil {
                        throw CLIError("could not create topic \(spec.name): \(error)")
                    }
                    print("created \(spec.name) (\(spec.partitions) partitions, replication \(spec.replicationFactor))")
                }
                live = try admin.topics()
                plan = TopicPlan(specs: specs, live: live, liveConfigs: nil)
            }
            for name in plan.matching { print("ok \(name)") }
            for difference in plan.differences { print("DIFFERS: \(difference)") }
            if !plan.differences.isEmpty { throw ExitCode(1) }
        }
    }
}

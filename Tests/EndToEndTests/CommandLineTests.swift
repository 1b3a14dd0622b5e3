import AnnalsEvents
import Foundation
import Kafka
import Testing
import TestSupport

/// The `annals` executable as an operator runs it: exit statuses, what goes to stdout and to stderr, and what it
/// really did to a Kafka cluster (over the Kafka protocol) and a database.
@Suite("Command line", .timeLimit(.minutes(4)))
struct CommandLineTests {
    static let sampleFile = ChildProcess.packageRoot + "/Samples/story-events.jsonl"
    static let topicsDirectory = ChildProcess.packageRoot + "/Topics"
    static let corpus = ChildProcess.packageRoot + "/Samples/knowledge-base"

    // MARK: - publish

    @Test func publishReportsEachBadLineByNumberAndStillPublishesTheGoodOnes() async throws {
        let kafka = try TestKafkaCluster(topics: [StoryStack.topic: 4])
        let samples = try Self.sampleLines()
        let lines = [
            samples[0],                                                    // 1 good
            "",                                                            // 2 blank
            "this is not json",                                            // 3 not JSON
            samples[1],                                                    // 4 good
            try Self.editing(samples[2]) { $0["mood"] = "grim" },          // 5 unknown field
            "   ",                                                         // 6 blank
            try Self.editing(samples[3]) { $0["worldId"] = "" },           // 7 invalid: empty world id
            samples[4],                                                    // 8 good
        ]
        let file = try Self.temporaryFile(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: file) }

        let run = try await Self.annals(["publish", StoryStack.topic, "--file", file, "--brokers", kafka.bootstrapServers])

        #expect(run.status == .exited(1), "\(run)")
        #expect(run.stdout.trimmingCharacters(in: .newlines) == "published 3 events to story-event, rejected 3 lines", "\(run)")
        let reported = run.stderr.split(separator: "\n").filter { $0.hasPrefix("line ") }.map(String.init)
        #expect(reported.count == 3, "\(run)")
        #expect(reported.contains { $0.hasPrefix("line 3: not a valid annals.v1.StoryEvent in proto3 JSON") }, "\(run)")
        #expect(reported.contains { $0.hasPrefix("line 5: ") && $0.contains("unknown field \"mood\"") }, "\(run)")
        #expect(reported.contains { $0.hasPrefix("line 7: invalid annals.v1.StoryEvent: world_id") }, "\(run)")
        #expect(try await Self.eventsOnTopic(kafka, StoryStack.topic, partitions: 4) == 3)
    }

    /// `--file -` and no `--file` both read standard input.
    @Test(arguments: [["--file", "-"], []])
    func publishReadsStandardInput(fileArguments: [String]) async throws {
        let kafka = try TestKafkaCluster(topics: [StoryStack.topic: 4])
        let run = try await Self.annals(
            ["publish", StoryStack.topic, "--brokers", kafka.bootstrapServers] + fileArguments, standardInput: Self.sampleFile)

        #expect(run.status == .exited(0), "\(run)")
        #expect(run.stdout.trimmingCharacters(in: .newlines) == "published 22 events to story-event", "\(run)")
        #expect(!run.stderr.contains("line "), "\(run)")
        #expect(try await Self.eventsOnTopic(kafka, StoryStack.topic, partitions: 4) == 22)
    }

    /// Files saved with Windows line endings: "\r\n" is a single Character in Swift, so splitting on "\n" alone
    /// would read the whole file as one line.
    @Test func publishReadsFilesWithCRLFLineEndingsLineByLine() async throws {
        let kafka = try TestKafkaCluster(topics: [StoryStack.topic: 4])
        var lines = try Self.sampleLines()
        lines.insert("not json", at: 2)
        lines.insert("", at: 5)
        let file = try Self.temporaryFile(lines.joined(separator: "\r\n") + "\r\n")
        defer { try? FileManager.default.removeItem(atPath: file) }

        let run = try await Self.annals(["publish", StoryStack.topic, "--file", file, "--brokers", kafka.bootstrapServers])

        #expect(run.status == .exited(1), "\(run)")
        #expect(run.stdout.trimmingCharacters(in: .newlines) == "published 22 events to story-event, rejected 1 lines", "\(run)")
        #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("line ") }.map { $0.prefix(8) } == ["line 3: "],
                "\(run)")
        #expect(try await Self.eventsOnTopic(kafka, StoryStack.topic, partitions: 4) == 22)
    }

    // MARK: - ingest

    @Test func ingestPublishesEveryGoodDocumentKeyedByItsIdAndExitsOneForABadFile() async throws {
        let topic = AnnalsTopic.documentIngested.rawValue
        let kafka = try TestKafkaCluster(topics: [topic: 8])
        let bad = ChildProcess.temporaryPath(name: "bad-document", suffix: ".md")
        try "---\nid: broken\ntitle: No version\n---\n# No version\n".write(toFile: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: bad) }

        let run = try await Self.annals(["ingest", Self.corpus + "/documents", Self.corpus + "/updates", bad,
                                         "--brokers", kafka.bootstrapServers])

        #expect(run.status == .exited(1), "\(run)")
        #expect(run.stdout == "published 14 documents to document-ingested, rejected 1 file\n", "\(run)")
        #expect(run.stderr.contains("\(bad): missing `version`"), "\(run)")
        let consumer = TestConsumer(config: kafka.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("ingest"), topics: [topic])
        let state = try await consumer.waitUntil("14 documents") { $0.messages.count >= 14 }
        try await consumer.close()
        var belfryVersions: [(partition: Int32, offset: Int64, version: UInt64)] = []
        for message in state.messages {
            guard case .documentIngested(let document) = try AnnalsTopic.documentIngested.decode(binary: message.value ?? []) else {
                Issue.record("not a document: \(message)")
                continue
            }
            #expect(message.key == Array(document.documentID.utf8))
            #expect(message.headers.contains { $0.key == AnnalsTopic.messageTypeHeader && $0.value == Array("annals.v1.DocumentIngested".utf8) })
            #expect(document.meta.producer == "annals-ingest")
            if document.documentID == "place-the-drowned-belfry" {
                belfryVersions.append((message.partition, message.offset, document.version))
            }
        }
        #expect(Set(state.messages.map { String(decoding: $0.key ?? [], as: UTF8.self) }).count == 13)
        // Same key, same partition, and version 2 after version 1, so the projection sees the revision last.
        #expect(belfryVersions.count == 2 && belfryVersions[0].partition == belfryVersions[1].partition)
        #expect(belfryVersions.sorted { $0.offset < $1.offset }.map(\.version) == [1, 2])
    }

    @Test func ingestDryRunPrintsASummaryAndPublishesNothing() async throws {
        let run = try await Self.annals(["ingest", "--dry-run", Self.corpus + "/documents"], removingEnvironment: ["KAFKA_BROKERS"])
        #expect(run.status == .exited(0), "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("id ") == true && lines.first?.hasSuffix("relationships") == true, "\(run)")
        #expect(lines.count == 15, "\(run)")
        #expect(lines.last == "13 documents valid (dry run: nothing published)", "\(run)")
        #expect(run.stderr.isEmpty, "\(run)")
    }

    // MARK: - topics apply

    @Test func topicsApplyReportsMatchingTopicsOkAndIsIdempotent() async throws {
        let declared = try Self.declaredPartitions()
        // Replication factor 3, as the files say: as many mock brokers.
        let kafka = try TestKafkaCluster(topics: declared, brokers: 3)
        let arguments = ["topics", "apply", "--topics-dir", Self.topicsDirectory, "--brokers", kafka.bootstrapServers]

        let first = try await Self.annals(arguments)
        #expect(first.status == .exited(0), "\(first)")
        let okLines = first.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.map(String.init)
        #expect(okLines == declared.keys.sorted().map { "ok \($0)" }, "\(first)")
        #expect(!first.stdout.contains("DIFFERS") && !first.stdout.contains("created"), "\(first)")

        let second = try await Self.annals(arguments)
        #expect(second.status == .exited(0), "\(second)")
        #expect(second.stdout == first.stdout)
    }

    @Test func topicsApplyExitsOneAndNamesAPartitionCountThatDrifted() async throws {
        var topics = try Self.declaredPartitions()
        #expect(topics[StoryStack.topic] == 4)
        topics[StoryStack.topic] = 2
        let kafka = try TestKafkaCluster(topics: topics, brokers: 3)

        let run = try await Self.annals(
            ["topics", "apply", "--topics-dir", Self.topicsDirectory, "--brokers", kafka.bootstrapServers])

        #expect(run.status == .exited(1), "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("DIFFERS") } == ["DIFFERS: topic story-event has 2 partitions, the file says 4"],
                "\(run)")
        #expect(lines.filter { $0.hasPrefix("ok ") } == ["ok document-ingested", "ok metric-sample", "ok scale-decision"],
                "\(run)")
    }

    // MARK: - dev-broker

    @Test func devBrokerPrintsAndWritesItsBootstrapServersServesTheTopicsAndExitsZeroOnSigterm() async throws {
        let bootstrapFile = ChildProcess.temporaryPath(name: "bootstrap", suffix: ".txt")
        defer { try? FileManager.default.removeItem(atPath: bootstrapFile) }
        let broker = try ChildProcess.annals(
            "annals",
            arguments: ["dev-broker", "--brokers", "1", "--bootstrap-file", bootstrapFile, "--topics-dir", Self.topicsDirectory],
            separateStandardError: true)

        try await waitUntil(timeout: .seconds(20), description: "dev-broker to print its bootstrap servers") {
            if let status = broker.status() {
                throw TestSupportFailure("dev-broker \(status) early:\n\(broker.log())\n\(broker.errorLog())")
            }
            return broker.log().hasSuffix("\n")
        }
        let printed = broker.log().trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.wholeMatch(of: /127\.0\.0\.1:\d+/) != nil, "stdout: \(printed)")
        let written = try String(contentsOfFile: bootstrapFile, encoding: .utf8)
        #expect(written.trimmingCharacters(in: .whitespacesAndNewlines) == printed)

        let live = try await StoryStack.blocking {
            try KafkaAdmin(config: KafkaConfig(brokers: printed), logger: StoryStack.logger).topics()
        }
        let livePartitions = Dictionary(live.map { ($0.name, Int32($0.partitions.count)) }, uniquingKeysWith: { a, _ in a })
        for (topic, partitions) in try Self.declaredPartitions() {
            #expect(livePartitions[topic] == partitions, "\(topic) on the dev broker: \(live.map(\.name))")
        }

        try broker.kill(SIGTERM)
        let status = try await broker.waitForExit(timeout: .seconds(20))
        #expect(status == .exited(0), "\(broker.errorLog())")
    }

    // MARK: - status

    @Test func statusShowsNoLagAndNoDeadLettersOnceAWorkerHasAppliedTheSamples() async throws {
        let stack = try StoryStack(name: "cli_status")
        defer { stack.tearDown() }
        let publish = try await Self.annals(
            ["publish", StoryStack.topic, "--file", Self.sampleFile, "--brokers", stack.kafka.bootstrapServers])
        #expect(publish.status == .exited(0), "\(publish)")

        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("cli-status"))
        try await stack.waitForCheckpoints(total: 22, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

        let connection = ["--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url]
        let json = try await Self.annals(["status", "--json"] + connection)
        #expect(json.status == .exited(0), "\(json)")
        let rows = try JSONDecoder().decode([PartitionStatus].self, from: Data(json.stdout.utf8))
        #expect(rows.map(\.partition).sorted() == Array(0..<stack.partitions), "\(json.stdout)")
        #expect(rows.allSatisfy { $0.projection == "story" && $0.topic == StoryStack.topic }, "\(json.stdout)")
        #expect(rows.map(\.highWatermark).reduce(0, +) == 22, "\(json.stdout)")
        for row in rows {
            // A partition no world hashes to has no events and may have no checkpoint yet.
            let checkpoint = row.highWatermark == 0 ? (row.checkpoint ?? 0) : row.checkpoint
            #expect(checkpoint == row.highWatermark, "partition \(row.partition): \(json.stdout)")
            #expect(row.lag == 0 && row.deadLetters == 0, "partition \(row.partition): \(json.stdout)")
        }

        let table = try await Self.annals(["status"] + connection)
        #expect(table.status == .exited(0), "\(table)")
        let tableLines = table.stdout.split(separator: "\n").map(String.init)
        #expect(tableLines.first?.hasPrefix("story (code version ") == true, "\(table)")
        #expect(tableLines.contains { $0.contains("topic/partition") && $0.contains("high-watermark")
            && $0.contains("lag") && $0.contains("dead-letters") }, "\(table)")
        #expect(tableLines.filter { $0.hasPrefix("  story-event/") }.count == Int(stack.partitions), "\(table)")
    }

    @Test func statusOfADatabaseNoWorkerHasMigratedShowsTheWholeTopicAsLag() async throws {
        let stack = try StoryStack(name: "cli_status_unmigrated")
        defer { stack.tearDown() }
        let publish = try await Self.annals(
            ["publish", StoryStack.topic, "--file", Self.sampleFile, "--brokers", stack.kafka.bootstrapServers])
        #expect(publish.status == .exited(0), "\(publish)")
        let connection = ["--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url]

        let json = try await Self.annals(["status", "--json"] + connection)
        #expect(json.status == .exited(0), "\(json)")
        let rows = try JSONDecoder().decode([PartitionStatus].self, from: Data(json.stdout.utf8))
        #expect(rows.count == Int(stack.partitions), "\(json.stdout)")
        #expect(rows.allSatisfy { $0.checkpoint == nil && $0.lag == $0.highWatermark && $0.deadLetters == 0 }, "\(json.stdout)")
        #expect(rows.map(\.lag).reduce(0, +) == 22, "\(json.stdout)")

        let table = try await Self.annals(["status"] + connection)
        #expect(table.status == .exited(0), "\(table)")
        #expect(table.stdout.hasPrefix("story (code version 1, not migrated)\n"), "\(table)")
    }

    /// What `annals status --json` prints per partition.
    struct PartitionStatus: Decodable {
        var projection: String
        var topic: String
        var partition: Int32
        var checkpoint: Int64?
        var highWatermark: Int64
        var lag: Int64
        var deadLetters: Int
    }

    // MARK: - help and configuration errors

    @Test(arguments: [
        "annals", "annals migrate", "annals topics", "annals topics apply", "annals publish", "annals ingest", "annals replay",
        "annals status", "annals checksum", "annals backtest", "annals dev-broker", "annals-story-worker", "annals-kb-worker",
        "annals-metrics-worker",
    ])
    func everyCommandPrintsUsageForHelpAndExitsZero(command: String) async throws {
        let words = command.split(separator: " ").map(String.init)
        let process = try ChildProcess.annals(words[0], arguments: Array(words.dropFirst()) + ["--help"],
                                              separateStandardError: true)
        let status = try await process.waitForExit(timeout: .seconds(20))
        #expect(status == .exited(0), "\(process.log())\(process.errorLog())")
        #expect(process.log().contains("USAGE: \(command)"), "\(process.log())")
    }

    @Test func statusWithoutBrokersSaysHowToGiveThem() async throws {
        let run = try await Self.annals(["status", "--database-url", "postgres://127.0.0.1:1/none"],
                                        removingEnvironment: ["KAFKA_BROKERS"])
        #expect(run.status != .exited(0), "\(run)")
        #expect(run.stderr.contains("pass --brokers or set KAFKA_BROKERS"), "\(run)")
    }

    // MARK: - Helpers

    /// One finished run of `annals`.
    struct Run: CustomStringConvertible {
        var status: ChildProcess.ExitStatus
        var stdout: String
        var stderr: String

        var description: String { "\(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    static func annals(_ arguments: [String], standardInput: String? = nil, removingEnvironment: Set<String> = [],
                       timeout: Duration = .seconds(60)) async throws -> Run {
        let process = try ChildProcess.annals("annals", arguments: arguments, removingEnvironment: removingEnvironment,
                                              standardInput: standardInput, separateStandardError: true)
        let status = try await process.waitForExit(timeout: timeout)
        return Run(status: status, stdout: process.log(), stderr: process.errorLog())
    }

    /// Sum of the high watermarks of `topic`'s partitions, read over the Kafka protocol.
    static func eventsOnTopic(_ kafka: TestKafkaCluster, _ topic: String, partitions: Int32) async throws -> Int64 {
        let config = kafka.config
        return try await StoryStack.blocking {
            let admin = try KafkaAdmin(config: config, logger: StoryStack.logger)
            return try (0..<partitions).map { try admin.watermarks(TopicPartition(topic: topic, partition: $0)).high }
                .reduce(0, +)
        }
    }

    /// Topic name → partition count, as `Topics/*.yaml` declare them.
    static func declaredPartitions() throws -> [String: Int32] {
        var result: [String: Int32] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: topicsDirectory) where file.hasSuffix(".yaml") {
            let text = try String(contentsOfFile: "\(topicsDirectory)/\(file)", encoding: .utf8)
            func value(_ key: String) -> String? {
                text.split(separator: "\n").first { $0.hasPrefix("\(key):") }
                    .map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) }
            }
            guard let name = value("name"), let partitions = value("partitions").flatMap({ Int32($0) }) else {
                throw TestSupportFailure("\(file): no name or partitions")
            }
            result[name] = partitions
        }
        return result
    }

    static func sampleLines() throws -> [String] {
        try String(contentsOfFile: sampleFile, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// `line` (a JSON object) with `edit` applied.
    static func editing(_ line: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        guard var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw TestSupportFailure("not a JSON object: \(line)")
        }
        edit(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func temporaryFile(_ contents: String) throws -> String {
        let path = ChildProcess.temporaryPath(name: "cli-input", suffix: ".jsonl")
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

import Foundation
import Testing
import TestSupport

/// Events from other producers (kcat, Python's confluent-kafka with protoc-generated classes) are projected exactly
/// like the CLI's: same rows, same partitions per world (the same key hashing), no dead letters.
@Suite("Producer interop", .timeLimit(.minutes(3)))
struct InteropTests {
    static let kcat = Interop.executable(named: "kcat")
    static let protoc = Interop.executable(named: "protoc")
    static let python = Interop.pythonWithKafka()

    @Test(.enabled(if: kcat != nil, "kcat is not installed (Debian: apt-get install kcat, or run dev/setup)"))
    func kcatProducedEventsAreProjectedLikeTheCLIs() async throws {
        try await Interop.run(name: "kcat") { stack, generator, range in
            // One kcat run per world, one file per message (binary protobuf may contain any delimiter), in order.
            let directory = ChildProcess.temporaryPath(name: "kcat")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for world in 0..<generator.worlds {
                var files: [String] = []
                for index in range where index % generator.worlds == world {
                    let path = "\(directory)/\(index).bin"
                    try Data(try generator.event(index).serializedBytes() as [UInt8]).write(to: URL(fileURLWithPath: path))
                    files.append(path)
                }
                let process = try ChildProcess(executable: Self.kcat!, arguments: [
                    "-P", "-b", stack.kafka.bootstrapServers, "-t", StoryStack.topic, "-k", generator.worldID(world),
                    "-H", "annals-type=annals.v1.StoryEvent",
                ] + files)
                let status = try await process.waitForExit(timeout: .seconds(60))
                #expect(status == .exited(0), "kcat: \(process.log())")
            }
        }
    }

    @Test(.enabled(if: python != nil && protoc != nil,
                   "needs protoc and confluent-kafka + protobuf in the project venv (run dev/setup)"))
    func pythonConfluentKafkaEventsAreProjectedLikeTheCLIs() async throws {
        try await Interop.run(name: "python") { stack, generator, range in
            let directory = ChildProcess.temporaryPath(name: "python")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Python classes generated from Proto/ with Debian's protoc.
            let proto = ChildProcess.packageRoot + "/Proto"
            let protos = try FileManager.default.contentsOfDirectory(atPath: proto + "/annals/v1")
                .filter { $0.hasSuffix(".proto") }.map { "\(proto)/annals/v1/\($0)" }
            let generate = try ChildProcess(executable: Self.protoc!, arguments: [
                "-I", proto, "-I", "/usr/include", "--python_out=\(directory)",
            ] + protos)
            #expect(try await generate.waitForExit(timeout: .seconds(60)) == .exited(0), "protoc: \(generate.log())")

            // Python parses the proto3 JSON, encodes with its own protobuf runtime and produces keyed by world id.
            let lines = try range.map { try generator.jsonLine($0) }.joined(separator: "\n") + "\n"
            try lines.write(toFile: "\(directory)/events.jsonl", atomically: true, encoding: .utf8)
            try Interop.producerScript.write(toFile: "\(directory)/produce.py", atomically: true, encoding: .utf8)
            let process = try ChildProcess(
                executable: Self.python!,
                arguments: ["\(directory)/produce.py", stack.kafka.bootstrapServers, StoryStack.topic, "\(directory)/events.jsonl"],
                environment: ["PYTHONPATH": directory])
            let status = try await process.waitForExit(timeout: .seconds(120))
            #expect(status == .exited(0), "python producer: \(process.log())")
        }
    }
}

enum Interop {
    /// Half the events go through `annals publish`, half through the other producer; the worker projects them all.
    static func run(name: String,
                    produce: (StoryStack, StoryEventGenerator, Range<Int>) async throws -> Void) async throws {
        let stack = try StoryStack(name: "interop_\(name)")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 10, prefix: "interop-\(name)")
        let total = 400

        let file = ChildProcess.temporaryPath(name: "cli-events", suffix: ".jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try ((0..<200).map { try generator.jsonLine($0) }.joined(separator: "\n") + "\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let (status, output) = try await stack.runCLI(
            ["publish", StoryStack.topic, "--file", file, "--brokers", stack.kafka.bootstrapServers])
        #expect(status == .exited(0), "annals publish: \(output)")

        try await produce(stack, generator, 200..<total)
        #expect(try await stack.highWatermarks().values.reduce(0, +) == Int64(total))

        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("interop"))
        try await stack.waitForCheckpoints(total: Int64(total), workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))

        #expect(try await stack.deadLetters().map(\.error) == [])
        #expect(try await stack.count("story.events") == total)
        // Same partitioner as the CLI: each world stays in one partition, its sequences in order, no gaps.
        #expect(try await stack.count("story.sequence_gaps") == 0)
        #expect(try await stack.outOfOrderEvents() == 0)
        let worlds = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: total) {
            #expect(worlds[world]?.eventCount == want.eventCount && worlds[world]?.lastSequence == want.lastSequence)
        }
        // Every row, whoever produced it, holds exactly what the generator made.
        let mismatches = try await stack.rowsDifferingFromGenerator(generator, 0..<total)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    /// An executable on PATH.
    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The project venv's python (ANNALS_VENV or <root>/.venv) if confluent-kafka and protobuf are installed in it.
    /// (Looked up on disk, so deciding whether to skip starts no process.)
    static func pythonWithKafka() -> String? {
        let venv = ProcessInfo.processInfo.environment["ANNALS_VENV"] ?? ChildProcess.packageRoot + "/.venv"
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python),
              let versions = try? FileManager.default.contentsOfDirectory(atPath: venv + "/lib") else { return nil }
        for version in versions where version.hasPrefix("python3") {
            let site = "\(venv)/lib/\(version)/site-packages"
            if FileManager.default.fileExists(atPath: site + "/confluent_kafka/__init__.py"),
               FileManager.default.fileExists(atPath: site + "/google/protobuf/__init__.py") {
                return python
            }
        }
        return nil
    }

    static let producerScript = """
        import sys
        from confluent_kafka import Producer
        from google.protobuf import json_format
        from annals.v1 import story_event_pb2

        brokers, topic, path = sys.argv[1:4]
        producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True})
        failures = []

        def delivered(error, message):
            if error is not None:
                failures.append(str(error))

        with open(path) as lines:
            for line in lines:
                if not line.strip():
                    continue
                event = json_format.Parse(line, story_event_pb2.StoryEvent())
                producer.produce(topic, key=event.world_id.encode(), value=event.SerializeToString(),
                                 headers=[("annals-type", b"annals.v1.StoryEvent")], on_delivery=delivered)
                producer.poll(0)
        remaining = producer.flush(60)
        if remaining or failures:
            sys.exit(f"{remaining} undelivered, failures: {failures[:5]}")
        """
}

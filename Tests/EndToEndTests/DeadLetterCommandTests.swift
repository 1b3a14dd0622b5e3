import AnnalsEvents
import Foundation
import Kafka
import Postgres
import Testing
import TestSupport

/// `annals dlq list|show|redrive` as an operator runs them, against dead letters a real worker made.
@Suite("Dead letter commands", .timeLimit(.minutes(4)))
struct DeadLetterCommandTests {
    static let world = "dlq-world"

    static func story(_ sequence: UInt64, summary: String? = nil) -> StoryEvent {
        var event = StoryEventGenerator(worlds: 1, prefix: "dlq").event(Int(sequence) - 1)
        event.worldID = world
        event.meta.eventID = "dlq-\(sequence)"
        if let summary { event.summary = summary }
        return event
    }

    /// A producer that may send the 2 MiB events these tests need (librdkafka's default cap is 1,000,000 bytes).
    static func largeMessageProducer(_ stack: StoryStack) throws -> KafkaProducer {
        var config = stack.kafka.config
        config["message.max.bytes"] = String(8 * 1_048_576)
        return try KafkaProducer(config: config, logger: StoryStack.logger)
    }

    @Test func anOversizedEventIsDeadLetteredListedShownAndAppliedByARedriveOnceTheLimitIsRaised() async throws {
        let stack = try StoryStack(name: "dlq_redrive", partitions: 1)
        defer { stack.tearDown() }
        let big = Self.story(2, summary: String(repeating: "ember ", count: 2 * 1_048_576 / 6 + 20))
        let bigBytes: [UInt8] = try big.serializedBytes()
        #expect(bigBytes.count > 2 * 1_048_576)
        let producer = try Self.largeMessageProducer(stack)
        try await StoryEventGenerator.send(
            try [Self.story(1), big, Self.story(3)].map { try StoryEventGenerator.record(for: $0) }, with: producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("dlq"))
        defer { _ = try? worker.kill(SIGKILL) }
        try await stack.waitForCheckpoints(total: 3, workers: [worker])
        let database = ["--database-url", stack.database.url]

        // The worker dead-lettered it, raw value kept, and applied the events after it.
        let letters = try await stack.deadLetters()
        #expect(letters.map(\.offset) == [1])
        let limitError = "event is \(Self.grouped(bigBytes.count)) bytes, over the 1,048,576-byte limit (--max-event-bytes)"
        #expect(letters.first?.error == limitError)
        #expect(try await stack.count("story.events") == 2)

        // list: the table, and JSON.
        let list = try await Self.annals(["dlq", "list", "story"] + database)
        #expect(list.status == .exited(0), "\(list)")
        #expect(list.stdout.contains("story-event/0@1") && list.stdout.contains("waiting") && list.stdout.contains(limitError),
                "\(list)")
        let listed = try Self.jsonArray(try await Self.annals(["dlq", "list", "--json"] + database).stdout)
        #expect(listed.count == 1)
        let id = try #require(listed.first?["id"] as? Int, "\(listed)")
        #expect(listed.first?["offset"] as? Int == 1 && listed.first?["value_bytes"] as? Int == bigBytes.count)
        #expect(listed.first?["redriven_at"] is NSNull)

        // show: the error, the raw value and the event it holds.
        let show = try await Self.annals(["dlq", "show", String(id)] + database)
        #expect(show.status == .exited(0), "\(show)")
        #expect(show.stdout.contains("error:\n  \(limitError)"), "\(show)")
        #expect(show.stdout.contains("key:         \(Self.world)"), "\(show)")
        #expect(show.stdout.contains("annals-type: annals.v1.StoryEvent"), "\(show)")
        #expect(show.stdout.contains("value:       \(Self.grouped(bigBytes.count)) bytes, the first 4,096 shown"), "\(show)")
        #expect(show.stdout.contains("  00000000  0a "), "\(show)")
        #expect(show.stdout.contains("as annals.v1.StoryEvent (proto3 JSON):\n  {\"meta\":{\"eventId\":\"dlq-2\""), "\(show)")
        let shown = try #require(try JSONSerialization.jsonObject(
            with: Data(try await Self.annals(["dlq", "show", String(id), "--json"] + database).stdout.utf8)) as? [String: Any])
        #expect(shown["value_hex"] as? String == bigBytes.map { String(format: "%02x", $0) }.joined())
        #expect((shown["event"] as? [String: Any])?["worldId"] as? String == Self.world)

        // A limit still too low: it keeps waiting, with the new reason, and the command exits 1. The worker runs on.
        let tooLow = try await Self.annals(["dlq", "redrive", "story", "--max-event-bytes", "1500000"] + database)
        #expect(tooLow.status == .exited(1), "\(tooLow)")
        #expect(tooLow.stdout.contains("\(id) story-event/0@1: still failing: event is \(Self.grouped(bigBytes.count)) bytes, "
            + "over the 1,500,000-byte limit"), "\(tooLow)")
        #expect(try await stack.deadLetters().first?.error.contains("over the 1,500,000-byte limit") == true)

        // Raised above its size: applied through the live tables while the worker runs.
        let redrive = try await Self.annals(["dlq", "redrive", "story", "--max-event-bytes", "4194304"] + database)
        #expect(redrive.status == .exited(0), "\(redrive)")
        #expect(redrive.stdout.contains("\(id) story-event/0@1: applied"), "\(redrive)")
        #expect(redrive.stdout.contains("re-drove 1 story dead letters: 1 applied, 0 still waiting"), "\(redrive)")
        let stored = try await stack.query("SELECT length(summary) AS n FROM story.events WHERE event_id = 'dlq-2'")
        #expect(try stored.first?.int("n") == big.summary.count)
        #expect(try await stack.count("story.events") == 3)
        let waiting = try await Self.annals(["dlq", "list", "story"] + database)
        #expect(waiting.stdout.trimmingCharacters(in: .newlines) == "no waiting dead letters for story", "\(waiting)")
        let all = try await Self.annals(["dlq", "list", "--all"] + database)
        #expect(all.stdout.contains("story-event/0@1") && all.stdout.contains("re-driven 20"), "\(all)")

        // The worker carries on from its checkpoint: the redrive moved nothing.
        try await StoryEventGenerator.send([try StoryEventGenerator.record(for: Self.story(4))], with: producer)
        try await stack.waitForCheckpoints(total: 4, workers: [worker])
        #expect(try await stack.count("story.events") == 4)
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(60)) == .exited(0))

        // A second redrive changes nothing.
        let before = try await stack.checksums()
        let second = try await Self.annals(["dlq", "redrive", "story", "--max-event-bytes", "4194304"] + database)
        #expect(second.status == .exited(0), "\(second)")
        #expect(second.stdout.trimmingCharacters(in: .newlines) == "story has no waiting dead letters: nothing to re-drive")
        let named = try await Self.annals(["dlq", "redrive", "story", "--id", String(id)] + database)
        #expect(named.stdout.contains("\(id) story-event/0@1: skipped, re-driven already"), "\(named)")
        #expect(try await stack.checksums() == before)
        print("dlq redrive:\n" + redrive.stdout + all.stdout)
    }

    @Test func aRedriveOfALetterThatStillFailsKeepsItWaitingWithTheNewErrorAndExitsOne() async throws {
        let database = try TestDatabase.create(prefix: "dlq_still")
        defer { try? database.drop() }
        let url = ["--database-url", database.url]
        #expect(try await Self.annals(["migrate"] + url).status == .exited(0))
        let good: [UInt8] = try Self.story(1).serializedBytes()
        _ = try await onOwnThread {
            try database.connect().execute(
                """
                INSERT INTO annals.dead_letters (projection, topic, partition, "offset", key, value, error) VALUES
                ('story', 'story-event', 0, 5, 'dlq-world', '\\xff0102', 'what the worker said'),
                ('story', 'story-event', 0, 6, 'dlq-world', $1::bytea, 'the database was refusing it then')
                """, [.bytea(good)])
        }

        let run = try await Self.annals(["dlq", "redrive", "story"] + url)

        #expect(run.status == .exited(1), "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(run)")
        #expect(lines.first?.contains("story-event/0@5: still failing: not a valid annals.v1.StoryEvent in protobuf binary")
            == true, "\(run)")
        #expect(lines.dropFirst().first?.hasSuffix("story-event/0@6: applied") == true, "\(run)")
        #expect(lines.last == "re-drove 2 story dead letters: 1 applied, 1 still waiting", "\(run)")
        let rows = try await onOwnThread {
            try database.connect().execute(#"SELECT error, redriven_at IS NULL AS waiting FROM annals.dead_letters ORDER BY "offset""#)
                .rows.map { (try $0.string("error"), try $0.bool("waiting")) }
        }
        #expect(rows.map(\.1) == [true, false])
        #expect(rows.first?.0.contains("not a valid annals.v1.StoryEvent") == true, "the new reason replaces the old: \(rows)")
        #expect(rows.last?.0 == "the database was refusing it then", "an applied letter keeps why it had failed")
        let list = try await Self.annals(["dlq", "list"] + url)
        #expect(list.stdout.split(separator: "\n").count == 2 && list.stdout.contains("story-event/0@5"), "\(list)")
    }

    @Test func mistakesAnOperatorCanMakeAreExplained() async throws {
        let database = try TestDatabase.create(prefix: "dlq_errors")
        defer { try? database.drop() }
        let url = ["--database-url", database.url]

        let unknownProjection = try await Self.annals(["dlq", "redrive", "stories"] + url)
        #expect(unknownProjection.status == .exited(1))
        #expect(unknownProjection.stderr.contains("no projection named stories; known: story, kb, metrics, scaling"),
                "\(unknownProjection)")

        let none = try await Self.annals(["dlq", "list"] + url)
        #expect(none.status == .exited(0) && none.stdout == "no waiting dead letters\n", "\(none)")
        #expect(try Self.jsonArray(try await Self.annals(["dlq", "list", "--json"] + url).stdout).isEmpty)
        let nothing = try await Self.annals(["dlq", "redrive", "story"] + url)
        #expect(nothing.status == .exited(0), "\(nothing)")
        #expect(nothing.stdout == "story has no waiting dead letters: nothing to re-drive\n", "\(nothing)")

        let unknownID = try await Self.annals(["dlq", "show", "424242"] + url)
        #expect(unknownID.status == .exited(1))
        #expect(unknownID.stderr.contains("no dead letter has id 424242: `annals dlq list --all` lists them with their ids"),
                "\(unknownID)")
        let unknownRedrive = try await Self.annals(["dlq", "redrive", "story", "--id", "424242"] + url)
        #expect(unknownRedrive.status == .exited(1) && unknownRedrive.stderr.contains("no dead letter has id 424242"),
                "\(unknownRedrive)")

        let port = try LocalHTTP.freePort()
        let unreachable = try await Self.annals(
            ["dlq", "list", "--database-url", "postgres://annals:hunter2-secret@127.0.0.1:\(port)/annals?connect_timeout=5"])
        #expect(unreachable.status == .exited(1))
        #expect(unreachable.stderr.contains("cannot reach the database"), "\(unreachable)")
        #expect(unreachable.stderr.contains("--database-url or DATABASE_URL"), "\(unreachable)")
        #expect(!unreachable.stderr.contains("hunter2") && !unreachable.stdout.contains("hunter2"), "\(unreachable)")
    }

    // MARK: - Helpers

    struct Run: CustomStringConvertible {
        var status: ChildProcess.ExitStatus
        var stdout: String
        var stderr: String

        var description: String { "\(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    static func annals(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> Run {
        let process = try ChildProcess.annals("annals", arguments: arguments, separateStandardError: true)
        let status = try await process.waitForExit(timeout: timeout)
        return Run(status: status, stdout: process.log(), stderr: process.errorLog())
    }

    static func jsonArray(_ text: String) throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw TestSupportFailure("not a JSON array of objects: \(text)")
        }
        return array
    }

    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

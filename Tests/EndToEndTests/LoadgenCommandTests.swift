import AnnalsEvents
import Foundation
import Kafka
import Testing
import TestSupport

/// `annals loadgen` against a real Kafka protocol endpoint and the story worker: what it reports is what the
/// topics hold and what the projection built.
@Suite("annals loadgen", .timeLimit(.minutes(3)))
struct LoadgenCommandTests {
    static let story = AnnalsTopic.storyEvent.rawValue
    static let metric = AnnalsTopic.metricSample.rawValue

    @Test func reportsWhatItSentAndTheStoryWorkerProjectsEveryEventInSequence() async throws {
        let kafka = try TestKafkaCluster(topics: [Self.story: 4, Self.metric: 3])
        let database = try await onOwnThread { try TestDatabase.create(prefix: "loadgen") }
        defer { try? database.drop() }

        let run = try await CommandLineTests.annals([
            "loadgen", "--players", "200", "--duration", "3", "--sample-interval", "1", "--run-id", "lgtest", "--json",
            "--brokers", kafka.bootstrapServers,
        ])

        #expect(run.status == .exited(0), "\(run)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
        let stories = try #require(report["storyEvents"] as? [String: Any])
        let samples = try #require(report["metricSamples"] as? [String: Any])
        // 200 players × 6 a minute = 20 story events/s; 1 + 2 + 3 instances (40 players each) sampling every second.
        #expect(stories["delivered"] as? Int == 60, "\(run.stdout)")
        #expect(samples["delivered"] as? Int == 6 * 3, "\(run.stdout)")
        #expect(report["worlds"] as? Int == 8)
        #expect(run.stderr.contains("loadgen 3/3 s  story-event 60"), "progress lines: \(run.stderr)")
        #expect(try await CommandLineTests.eventsOnTopic(kafka, Self.story, partitions: 4) == 60)
        #expect(try await CommandLineTests.eventsOnTopic(kafka, Self.metric, partitions: 3) == 18)

        let worker = try ChildProcess.annals(
            "annals-story-worker",
            arguments: ["--brokers", kafka.bootstrapServers, "--database-url", database.url, "--http-port", "0"],
            logPath: ChildProcess.temporaryPath(name: "loadgen-story", suffix: ".log"))
        defer { try? worker.kill(SIGKILL) }
        let worlds = try await waitForWorlds(database, events: 60, worker: worker)
        #expect(worlds.count == 8)
        for (world, counts) in worlds {
            #expect(world.hasPrefix("lgtest-world-"))
            #expect(counts.lastSequence == counts.events && counts.gaps == 0, "\(world): \(counts)")
        }
        let deadLetters = try await onOwnThread {
            try database.connect().execute("SELECT count(*)::bigint AS n FROM annals.dead_letters").rows.first?.int("n")
        }
        #expect(deadLetters == 0)
    }

    @Test func anUnreachableBrokerFailsTheRunAndSaysWhatWasNotDelivered() async throws {
        let run = try await CommandLineTests.annals([
            "loadgen", "--players", "20", "--duration", "1", "--brokers", "127.0.0.1:1",
            "--kafka-property", "message.timeout.ms=1500",
        ])

        #expect(run.status == .exited(1), "\(run)")
        #expect(run.stdout.contains("story-event: 0 delivered, 2 FAILED"), "\(run)")
        #expect(run.stderr.contains("not delivered: "), "\(run)")
    }

    @Test func badSettingsAreRefusedNamingEachOne() async throws {
        let run = try await CommandLineTests.annals(["loadgen", "--players", "0", "--duration=-2", "--brokers", "127.0.0.1:1"])

        #expect(run.status == .exited(64), "\(run)")
        #expect(run.stderr.contains("players must be at least 1, got 0"), "\(run)")
        #expect(run.stderr.contains("duration must be 0 to 86400 seconds, got -2"), "\(run)")
    }

    /// `story.worlds` once its event counts add up to `events`: world id → counts.
    private func waitForWorlds(_ database: TestDatabase, events: Int, worker: ChildProcess) async throws
        -> [String: (events: Int, lastSequence: Int, gaps: Int)] {
        var worlds: [String: (events: Int, lastSequence: Int, gaps: Int)] = [:]
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(200), description: "\(events) story events projected") {
            if let status = worker.status() { throw TestSupportFailure("story worker \(status); log:\n\(worker.logTail())") }
            // The worker creates story.worlds when it starts: until then, nothing to read.
            guard let rows = try? await onOwnThread({
                try database.connect().execute("SELECT world_id, event_count, last_sequence, gap_count FROM story.worlds").rows
            }) else { return false }
            worlds = [:]
            for row in rows {
                worlds[try row.string("world_id")] = (try row.int("event_count"), try row.int("last_sequence"), try row.int("gap_count"))
            }
            return worlds.values.map(\.events).reduce(0, +) == events
        }
        return worlds
    }
}

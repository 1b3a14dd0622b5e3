import Foundation
import Testing
import TestSupport

/// Guarantees 5 and 8: replay reproduces the tables exactly; tables of another version stop a worker.
@Suite("Versions and replay", .timeLimit(.minutes(4)))
struct VersionAndReplayTests {
    @Test func replayInPlaceReproducesIdenticalChecksums() async throws {
        let stack = try StoryStack(name: "replay")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 30, prefix: "replay")
        try await generator.publish(0..<8_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("replay"), batchSize: 700)
        try await stack.waitForCheckpoints(total: 8_000, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
        let original = try await stack.checksums()

        // Damage the tables so an unchanged result can only come from a real rebuild.
        try await stack.execute("UPDATE story.worlds SET event_count = 0, last_sequence = 1")
        try await stack.execute("DELETE FROM story.events WHERE sequence % 3 = 0")
        #expect(try await stack.checksums() != original)

        let (status, output) = try await stack.runCLI(
            ["replay", "story", "--in-place", "--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url])
        #expect(status == .exited(0), "\(output)")
        #expect(try await stack.checksums() == original)
        #expect(try await stack.checkpoints() == (try await stack.highWatermarks()))
        #expect(try await stack.count("annals.dead_letters") == 0)

        let (checksumStatus, printed) = try await stack.runCLI(["checksum", "story", "--database-url", stack.database.url])
        #expect(checksumStatus == .exited(0))
        #expect(printed.contains("story.events\t8000\t"), "\(printed)")
    }

    @Test func workerRefusesTablesOfAnotherVersionAndSaysToReplay() async throws {
        let stack = try StoryStack(name: "version")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 5, prefix: "version")
        try await generator.publish(0..<100, with: stack.producer)
        let group = TestKafkaCluster.uniqueGroupID("version")
        let first = try stack.startWorker(group: group)
        try await stack.waitForCheckpoints(total: 100, workers: [first])
        try first.kill(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(30)) == .exited(0))

        try await stack.execute("UPDATE annals.projections SET version = 99 WHERE name = 'story'")
        try await generator.publish(100..<200, with: stack.producer)
        let refused = try stack.startWorker(group: group)
        let status = try await refused.waitForExit(timeout: .seconds(60))
        #expect(status != .exited(0), "a worker facing version-99 tables must not run")
        if case .signaled = status { Issue.record("the worker crashed instead of exiting: \(status)") }
        let log = refused.log()
        #expect(log.contains("annals replay story --in-place"), "\(refused.logTail())")
        #expect(log.contains("version 99"), "\(refused.logTail())")
        // It touched nothing.
        #expect(try await stack.count("story.events") == 100)
        #expect(try await stack.checkpointTotal() == 100)
    }
}

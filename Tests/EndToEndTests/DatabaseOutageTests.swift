import Foundation
import Testing
import TestSupport

/// Guarantee 6: Postgres going away mid-stream pauses the worker; when it is back the worker resumes and loses nothing.
/// A probe worker (no dedupe: one row per apply) rides out the same outage, so a batch applied twice around it cannot
/// hide behind the story projection's dedupe by event id.
@Suite("Database outage", .timeLimit(.minutes(3)))
struct DatabaseOutageTests {
    @Test func workerWaitsOutAPostgresRestartAndLosesNothing() async throws {
        // A server of its own, stopped and removed when the test ends.
        let postgres = try await StoryStack.blocking { try EmbeddedPostgres() }
        let stack = try StoryStack(name: "outage", databaseServerURL: postgres.url)
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 25, prefix: "outage")

        try await generator.publish(0..<5_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("outage"), batchSize: 500)
        let probe = try stack.startProbeWorker(group: TestKafkaCluster.uniqueGroupID("outage-probe"), batchSize: 500)
        try await stack.waitForCheckpoints(total: 5_000, workers: [worker, probe])
        try await stack.waitForCheckpoints(total: 5_000, workers: [worker, probe], projection: "probe")

        // Down: the worker keeps running, notices, and pauses while events keep arriving.
        try await StoryStack.blocking { try postgres.stop() }
        try await generator.publish(5_000..<10_000, with: stack.producer)
        try await waitUntil(timeout: .seconds(60), description: "the workers to report the database unavailable") {
            if let status = worker.status() { throw TestSupportFailure("worker \(status) during the outage: \(worker.logTail())") }
            if let status = probe.status() { throw TestSupportFailure("probe \(status) during the outage: \(probe.logTail())") }
            return worker.log().contains("database unavailable") && probe.log().contains("database unavailable")
        }
        #expect(worker.isRunning)
        #expect(probe.isRunning)

        // Back: it resumes and applies exactly what it missed.
        try await StoryStack.blocking { try postgres.start() }
        try await generator.publish(10_000..<12_000, with: stack.producer)
        try await stack.waitForCheckpoints(total: 12_000, workers: [worker, probe], timeout: .seconds(120))
        try await stack.waitForCheckpoints(total: 12_000, workers: [worker, probe], projection: "probe")
        try worker.kill(SIGTERM)
        try probe.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
        #expect(try await probe.waitForExit(timeout: .seconds(30)) == .exited(0), "\(probe.logTail())")
        // Each event applied exactly once around the outage: a row per apply, no dedupe to hide a second one.
        let applied = try await stack.probeCount()
        #expect(applied == .exactlyOnce(12_000), "probe.applies: \(applied)")

        #expect(try await stack.count("story.events") == 12_000)
        #expect(try await stack.count("story.sequence_gaps") == 0)
        #expect(try await stack.count("annals.dead_letters") == 0)
        let worlds = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: 12_000) {
            #expect(worlds[world]?.eventCount == want.eventCount && worlds[world]?.lastSequence == want.lastSequence)
        }
    }
}

import Foundation
import Testing
import TestSupport

/// A worker told to stop while its broker is frozen (up, connections open, answering nothing: the way a partitioned
/// or hung cluster looks) still stops within an orchestrator's grace: leaving the group gets 5 s, not librdkafka's
/// 60 s socket timeout. Seen in the disaster drill: a kb worker still closing its consumer 10 s after SIGTERM.
@Suite(.timeLimit(.minutes(4))) struct FrozenBrokerShutdownTests {
    @Test func aWorkerStopsWithinItsGraceWhenItsBrokerFreezes() async throws {
        let database = try await onOwnThread { try TestDatabase.create(prefix: "frozen_broker") }
        defer { try? database.drop() }
        let bootstrapFile = ChildProcess.temporaryPath(name: "bootstrap", suffix: ".txt")
        defer { try? FileManager.default.removeItem(atPath: bootstrapFile) }
        let broker = try ChildProcess.annals("annals", arguments: [
            "dev-broker", "--brokers", "1", "--bootstrap-file", bootstrapFile, "--topics-dir", CommandLineTests.topicsDirectory,
        ], separateStandardError: true)
        defer {
            try? broker.kill(SIGCONT)
            try? broker.kill(SIGKILL)
        }
        try await waitUntil(timeout: .seconds(30), description: "the dev broker's bootstrap servers") {
            if let status = broker.status() { throw TestSupportFailure("dev-broker \(status): \(broker.errorLog())") }
            return broker.log().hasSuffix("\n")
        }
        let brokers = broker.log().trimmingCharacters(in: .whitespacesAndNewlines)
        let migrate = try await CommandLineTests.annals(["migrate", "--database-url", database.url])
        #expect(migrate.status == .exited(0), "\(migrate)")
        let published = try await CommandLineTests.annals([
            "publish", "story-event", "--file", ChildProcess.packageRoot + "/Samples/story-events.jsonl", "--brokers", brokers,
        ])
        #expect(published.status == .exited(0), "\(published)")

        let worker = try ChildProcess.annals("annals-story-worker", arguments: [
            "--brokers", brokers, "--database-url", database.url, "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
        ])
        defer { try? worker.kill(SIGKILL) }
        try await waitUntil(timeout: .seconds(90), description: "the worker applied the sample story") {
            if let status = worker.status() { throw TestSupportFailure("worker exited \(status): \(worker.logTail())") }
            return try await onOwnThread { try StoryStack.checkpointTotal(database) } > 0
        }

        try broker.freeze()
        let asked = ContinuousClock.now
        try worker.kill(SIGTERM)
        let status = try await worker.waitForExit(timeout: .seconds(90))
        let took = ContinuousClock.now - asked
        #expect(status == .exited(0), "\(worker.logTail())")
        // 5 s for the group, the rest for a loaded host; without the bound this takes about a minute.
        #expect(took < .seconds(25), "stopped \(took) after SIGTERM: \(worker.logTail())")
        #expect(worker.log().contains("leaving the consumer group took over"), "\(worker.logTail())")
    }
}

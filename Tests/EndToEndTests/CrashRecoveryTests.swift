import Foundation
import Testing
import TestSupport

/// Guarantee 1 under crashes: a worker SIGKILLed at random instants and restarted ends with the tables of one clean run.
/// A probe worker (no dedupe: one row per apply) is SIGKILLed and restarted at the same instants, so an event applied
/// twice cannot hide behind the story projection's dedupe by event id.
@Suite("Crash recovery", .timeLimit(.minutes(4)))
struct CrashRecoveryTests {
    @Test func workerKilledRepeatedlyMidStreamEndsIdenticalToCleanRun() async throws {
        let stack = try StoryStack(name: "kills")
        let clean = try TestDatabase.create(prefix: "kills_clean")
        defer {
            stack.tearDown()
            try? clean.drop()
        }
        let total = 50_000
        let generator = StoryEventGenerator(worlds: 100, prefix: "kills")

        // Produce while the worker runs: 50 chunks, paced so the stream lasts while kills happen.
        let producer = Task {
            for chunk in 0..<50 {
                try await generator.publish(chunk * 1_000..<(chunk + 1) * 1_000, with: stack.producer)
                try await Task.sleep(for: .milliseconds(250))
            }
        }

        // A SIGKILLed member keeps its partitions in the group until its session times out: each restart joins a
        // fresh group rather than wait for that. Positions come from annals.checkpoints, never from group offsets.
        var kills = 0
        var probeKills = 0
        var worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("kills"), batchSize: 500, name: "kills")
        var probe = try stack.startProbeWorker(group: TestKafkaCluster.uniqueGroupID("kills-probe"), batchSize: 500,
                                               name: "kills-probe")
        while kills < 10 {
            // Once this incarnation has committed something, kill it at a random instant: mid-batch,
            // mid-transaction or between transactions. The probe too, once it has committed (or applied everything).
            let before = try await stack.checkpointTotal()
            let probeBefore = try await stack.checkpointTotal(projection: "probe")
            try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(20),
                                description: "the restarted workers to commit a batch") {
                if let status = worker.status() { throw TestSupportFailure("worker \(status): \(worker.logTail())") }
                if let status = probe.status() { throw TestSupportFailure("probe \(status): \(probe.logTail())") }
                // Or everything: the last batch may have committed between the check below and the kill.
                let storyTotal = try await stack.checkpointTotal()
                let probeTotal = try await stack.checkpointTotal(projection: "probe")
                return (storyTotal > before || storyTotal == Int64(total))
                    && (probeTotal > probeBefore || probeTotal == Int64(total))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...400)))
            guard try await stack.checkpointTotal() < Int64(total) else { break }
            try worker.kill(SIGKILL)
            let probeMidStream = try await stack.checkpointTotal(projection: "probe") < Int64(total)
            try probe.kill(SIGKILL)
            #expect(try await worker.waitForExit(timeout: .seconds(10)) == .signaled(SIGKILL))
            #expect(try await probe.waitForExit(timeout: .seconds(10)) == .signaled(SIGKILL))
            kills += 1
            if probeMidStream { probeKills += 1 }
            worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("kills"), batchSize: 500, name: "kills")
            probe = try stack.startProbeWorker(group: TestKafkaCluster.uniqueGroupID("kills-probe"), batchSize: 500,
                                               name: "kills-probe")
        }
        try await producer.value
        try await stack.waitForCheckpoints(total: Int64(total), workers: [worker, probe], timeout: .seconds(120))
        try await stack.waitForCheckpoints(total: Int64(total), workers: [worker, probe], projection: "probe")
        try worker.kill(SIGTERM)
        try probe.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
        #expect(try await probe.waitForExit(timeout: .seconds(30)) == .exited(0))
        print("workerKilledRepeatedlyMidStreamEndsIdenticalToCleanRun: \(kills) SIGKILLs during a \(total)-event stream, "
                + "\(probeKills) of the probe worker mid-stream")
        #expect(kills >= 5, "only \(kills) kills landed mid-stream")
        #expect(probeKills >= 5, "only \(probeKills) probe kills landed mid-stream")
        // Every event applied exactly once across the kills: a row per apply, no dedupe to hide a second one.
        let applied = try await stack.probeCount()
        #expect(applied == .exactlyOnce(total), "probe.applies: \(applied)")

        // The clean run: same topic, another group, another database, no kills.
        let cleanWorker = try stack.startWorker(
            group: TestKafkaCluster.uniqueGroupID("clean"), batchSize: 500, databaseURL: clean.url, name: "clean")
        try await stack.waitForCheckpoints(total: Int64(total), workers: [cleanWorker], database: clean, timeout: .seconds(120))
        try cleanWorker.kill(SIGTERM)
        #expect(try await cleanWorker.waitForExit(timeout: .seconds(30)) == .exited(0))

        #expect(try await stack.count("story.events") == total)
        #expect(try await stack.count("story.sequence_gaps") == 0, "a double-applied or lost event shows as a sequence break")
        #expect(try await stack.count("annals.dead_letters") == 0)
        #expect(try await stack.count("annals.dead_letters", in: clean) == 0)
        #expect(try await stack.outOfOrderEvents() == 0)
        let worlds = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: total) {
            #expect(worlds[world]?.eventCount == want.eventCount && worlds[world]?.lastSequence == want.lastSequence,
                    "world \(world)")
        }
        let killed = try await stack.checksums()
        let reference = try await stack.checksums(in: clean)
        #expect(killed == reference)
    }
}

/// Guarantee 7: SIGTERM finishes the batch in flight, commits, and exits 0; nothing is lost or applied twice.
@Suite("Graceful stop", .timeLimit(.minutes(4)))  // 40,000 events through two workers, as "Crash recovery"
struct GracefulStopTests {
    @Test func sigtermCommitsTheBatchInFlightAndExitsZero() async throws {
        let stack = try StoryStack(name: "sigterm")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 20, prefix: "sigterm")
        let total = 40_000
        try await generator.publish(0..<total, with: stack.producer)

        // Small batches and a long linger: SIGTERM lands with work read but not yet committed.
        let group = TestKafkaCluster.uniqueGroupID("sigterm")
        let worker = try stack.startWorker(group: group, batchSize: 100, lingerMs: 500)
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(5),
                            description: "the worker to commit its first batches") {
            if let status = worker.status() { throw TestSupportFailure("worker \(status): \(worker.logTail())") }
            return try await stack.checkpointTotal() > 0
        }
        try worker.kill(SIGTERM)
        let status = try await worker.waitForExit(timeout: .seconds(30))
        #expect(status == .exited(0), "\(worker.logTail())")
        #expect(worker.log().contains("stopped with everything committed"))

        // The checkpoint equals what was applied: no uncommitted work, no rows past the checkpoint.
        let applied = try await stack.count("story.events")
        let checkpoint = try await stack.checkpointTotal()
        #expect(Int64(applied) == checkpoint)
        #expect(applied > 0)
        print("sigtermCommitsTheBatchInFlightAndExitsZero: stopped after \(applied) of \(total) events, checkpoint \(checkpoint)")
        let worlds = try await stack.worlds()
        #expect(worlds.values.map(\.eventCount).reduce(0, +) == applied)

        // A restart carries on from the checkpoint and applies nothing twice.
        let restarted = try stack.startWorker(group: group)
        try await stack.waitForCheckpoints(total: Int64(total), workers: [restarted])
        // SIGTERM before the worker installed its handlers would kill it outright: wait until it consumes.
        try await waitUntil(timeout: .seconds(60), description: "the restarted worker to be assigned its partitions") {
            restarted.logLines().contains { $0.message == "assigned" && $0["source"] == "Projection" }
        }
        try restarted.kill(SIGTERM)
        let restartedStatus = try await restarted.waitForExit(timeout: .seconds(30))
        #expect(restartedStatus == .exited(0), "\(restartedStatus): \(restarted.logTail())")
        #expect(try await stack.count("story.events") == total)
        #expect(try await stack.count("story.sequence_gaps") == 0)
        #expect(try await stack.count("annals.dead_letters") == 0)
        let final = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: total) {
            #expect(final[world]?.eventCount == want.eventCount && final[world]?.lastSequence == want.lastSequence)
        }
    }
}

import Foundation
import Testing
import TestSupport

/// Guarantee 3: a zombie worker whose partitions were taken over never overwrites the newer owner's state.
/// A probe zombie and successor (no dedupe: one row per apply) go through the same scenario beside the story workers, so a
/// zombie's batch applied on top of its successor's cannot hide behind the story projection's dedupe by event id.
@Suite("Fencing", .timeLimit(.minutes(5)))
struct FencingTests {
    @Test func pausedZombieWorkerIsFencedAndNeverMovesCheckpointsBack() async throws {
        let stack = try StoryStack(name: "fencing")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 40, prefix: "fencing")

        // A keeps the default 45 s session, so after a short SIGSTOP it still believes it owns every partition.
        try await generator.publish(0..<4_000, with: stack.producer)
        let zombie = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("zombie"), batchSize: 500, lingerMs: 10,
                                           fastGroup: false, name: "zombie")
        let probeZombie = try stack.startProbeWorker(group: TestKafkaCluster.uniqueGroupID("probe-zombie"), batchSize: 500,
                                                     lingerMs: 10, fastGroup: false, name: "probe-zombie")
        try await stack.waitForCheckpoints(total: 4_000, workers: [zombie, probeZombie])
        try await stack.waitForCheckpoints(total: 4_000, workers: [zombie, probeZombie], projection: "probe")
        try zombie.kill(SIGSTOP)
        try probeZombie.kill(SIGSTOP)

        // Meanwhile the stream goes on and another worker takes over and applies it all.
        try await generator.publish(4_000..<12_000, with: stack.producer)
        let successor = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("successor"), batchSize: 2_000,
                                              name: "successor")
        let probeSuccessor = try stack.startProbeWorker(group: TestKafkaCluster.uniqueGroupID("probe-successor"),
                                                        batchSize: 2_000, name: "probe-successor")
        try await stack.waitForCheckpoints(total: 12_000, workers: [successor, probeSuccessor])
        try await stack.waitForCheckpoints(total: 12_000, workers: [successor, probeSuccessor], projection: "probe")
        try successor.kill(SIGTERM)
        try probeSuccessor.kill(SIGTERM)
        #expect(try await successor.waitForExit(timeout: .seconds(30)) == .exited(0))
        #expect(try await probeSuccessor.waitForExit(timeout: .seconds(30)) == .exited(0))
        let newer = try await stack.checkpoints()
        let newerProbe = try await stack.checkpoints(projection: "probe")

        // The zombie wakes up with its old positions: its first commits must fail compare-and-set, not rewind.
        try zombie.kill(SIGCONT)
        try probeZombie.kill(SIGCONT)
        var rewound: [String] = []
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(10), description: "the zombies to be fenced") {
            if let status = zombie.status() { throw TestSupportFailure("zombie \(status): \(zombie.logTail())") }
            if let status = probeZombie.status() { throw TestSupportFailure("probe zombie \(status): \(probeZombie.logTail())") }
            for (partition, offset) in try await stack.checkpoints() where offset < newer[partition] ?? 0 {
                rewound.append("partition \(partition): \(newer[partition] ?? 0) → \(offset)")
            }
            for (partition, offset) in try await stack.checkpoints(projection: "probe") where offset < newerProbe[partition] ?? 0 {
                rewound.append("probe partition \(partition): \(newerProbe[partition] ?? 0) → \(offset)")
            }
            if !rewound.isEmpty { throw TestSupportFailure("a zombie moved checkpoints back: \(rewound)") }
            return zombie.log().contains("this worker was fenced") && probeZombie.log().contains("this worker was fenced")
        }
        #expect(rewound.isEmpty, "checkpoints moved back: \(rewound)")

        // It reloads the checkpoints and carries on correctly from the successor's state.
        try await generator.publish(12_000..<14_000, with: stack.producer)
        try await stack.waitForCheckpoints(total: 14_000, workers: [zombie, probeZombie])
        try await stack.waitForCheckpoints(total: 14_000, workers: [zombie, probeZombie], projection: "probe")
        for (partition, offset) in try await stack.checkpoints() {
            #expect(offset >= newer[partition] ?? 0)
        }
        try zombie.kill(SIGTERM)
        try probeZombie.kill(SIGTERM)
        #expect(try await zombie.waitForExit(timeout: .seconds(30)) == .exited(0))
        #expect(try await probeZombie.waitForExit(timeout: .seconds(30)) == .exited(0))
        // Each event applied exactly once across zombie and successor: a row per apply, no dedupe to hide a second one.
        let applied = try await stack.probeCount()
        #expect(applied == .exactlyOnce(14_000), "probe.applies: \(applied)")

        #expect(try await stack.count("story.events") == 14_000)
        #expect(try await stack.count("story.sequence_gaps") == 0)
        #expect(try await stack.count("annals.dead_letters") == 0)
        #expect(try await stack.checkpoints() == (try await stack.highWatermarks()))
        let worlds = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: 14_000) {
            #expect(worlds[world]?.eventCount == want.eventCount && worlds[world]?.lastSequence == want.lastSequence)
        }
    }

    /// A database restored to empty under a running worker (its tables and checkpoint rows gone): the worker's next
    /// compare-and-set finds no row, so it is fenced, reloads, finds no checkpoint, and rebuilds from the start of the
    /// topic, instead of expecting its old offset forever.
    @Test func aWorkerWhoseCheckpointsVanishRebuildsFromTheBeginningOfTheTopic() async throws {
        let stack = try StoryStack(name: "vanished")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 20, prefix: "vanished")
        try await generator.publish(0..<2_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("vanished"), batchSize: 500, name: "vanished")
        try await stack.waitForCheckpoints(total: 2_000, workers: [worker])

        let tables = try await stack.query(
            "SELECT string_agg(format('%I.%I', table_schema, table_name), ', ') AS tables FROM information_schema.tables "
                + "WHERE table_schema = 'story' AND table_type = 'BASE TABLE'").first?.string("tables")
        try await stack.execute("WITH gone AS (DELETE FROM annals.checkpoints WHERE projection = 'story' RETURNING 1) "
                                    + "SELECT count(*) FROM gone")
        try await stack.execute("TRUNCATE \(try #require(tables))")
        try await generator.publish(2_000..<3_000, with: stack.producer)

        try await stack.waitForCheckpoints(total: 3_000, workers: [worker])
        #expect(worker.log().contains("this worker was fenced"))
        #expect(try await stack.count("story.events") == 3_000)
        #expect(try await stack.checkpoints() == (try await stack.highWatermarks()))
        let worlds = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: 3_000) {
            #expect(worlds[world]?.eventCount == want.eventCount && worlds[world]?.lastSequence == want.lastSequence)
        }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
    }
}

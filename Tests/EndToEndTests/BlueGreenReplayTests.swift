import Foundation
import Synchronization
import Testing
import TestSupport

/// Blue/green replays (`annals replay` into a shadow, swapped in with a checkpoint handover), their resume and
/// abandon, `--until`, and `annals verify`.
@Suite("Blue/green replay and verify", .timeLimit(.minutes(5)))
struct BlueGreenReplayTests {
    @Test func replaySwapsInWhileEventsKeepArrivingAndTheWorkerContinuesFromTheShadowsOffsets() async throws {
        let stack = try StoryStack(name: "bluegreen")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 40, prefix: "bluegreen")
        try await generator.publish(0..<6_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("bluegreen"), batchSize: 300)
        try await stack.waitForCheckpoints(total: 6_000, workers: [worker])

        // Events keep arriving before, during and after the swap.
        let replay = try ChildProcess.annals(
            "annals", arguments: ["replay", "story", "--batch-size", "250"] + stack.connectionArguments)
        var published = 6_000
        while replay.status() == nil {
            try await generator.publish(published..<(published + 100), with: stack.producer)
            published += 100
            try await Task.sleep(for: .milliseconds(20))  // pacing the producer, not waiting for anything
        }
        #expect(try await replay.waitForExit(timeout: .seconds(5)) == .exited(0), "\(replay.logTail())")
        #expect(replay.log().contains("swapped it in"), "\(replay.logTail())")
        try await generator.publish(published..<(published + 1_000), with: stack.producer)
        published += 1_000

        try await stack.waitForCheckpoints(total: Int64(published), workers: [worker])
        #expect(try await stack.checkpoints() == (try await stack.highWatermarks()))
        #expect(try await stack.count("story.events") == published)
        #expect(try await stack.outOfOrderEvents() == 0)
        #expect(try await stack.rowsDifferingFromGenerator(generator, 0..<published).isEmpty)
        #expect(try await stack.count("annals.replays") == 0)
        #expect(try await stack.schemaExists("story_shadow") == false)

        // The tables equal a clean rebuild of the same topic into another database.
        let clean = try TestDatabase.create(prefix: "bluegreen-clean")
        defer { try? clean.drop() }
        let (status, output) = try await stack.runCLI(
            ["replay", "story", "--in-place", "--brokers", stack.kafka.bootstrapServers, "--database-url", clean.url])
        #expect(status == .exited(0), "\(output)")
        #expect(try await stack.checksums() == (try await stack.checksums(in: clean)))
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
    }

    @Test func aKilledReplayIsResumedAndAnAbandonedOneLeavesTheLiveTablesUntouched() async throws {
        let stack = try StoryStack(name: "resume")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 25, prefix: "resume")
        try await generator.publish(0..<16_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("resume"), batchSize: 2_000)
        try await stack.waitForCheckpoints(total: 16_000, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
        let original = try await stack.checksums()

        try await killReplayMidway(stack)
        #expect(try await stack.checksums() == original, "a killed replay must not touch the live tables")
        let (refused, refusal) = try await stack.runCLI(["replay", "story"] + stack.connectionArguments)
        #expect(refused != .exited(0))
        #expect(refusal.contains("--resume") && refusal.contains("--abandon"), "\(refusal)")
        let (_, status) = try await stack.runCLI(["status"] + stack.connectionArguments)
        #expect(status.contains("replay into story_shadow: ") && status.contains("of 16000 events"), "\(status)")

        // Damage the live tables: only a swap of the finished shadow can bring the original rows back.
        try await stack.execute("DELETE FROM story.events WHERE sequence % 4 = 0")
        let (resumed, output) = try await stack.runCLI(["replay", "story", "--resume"] + stack.connectionArguments)
        #expect(resumed == .exited(0), "\(output)")
        #expect(output.contains("swapped it in"), "\(output)")
        #expect(try await stack.checksums() == original)
        #expect(try await stack.checkpoints() == (try await stack.highWatermarks()))
        #expect(try await stack.schemaExists("story_shadow") == false)
        #expect(try await stack.count("annals.replays") == 0)

        try await killReplayMidway(stack)
        let (abandoned, abandonOutput) = try await stack.runCLI(["replay", "story", "--abandon"] + stack.connectionArguments)
        #expect(abandoned == .exited(0), "\(abandonOutput)")
        #expect(try await stack.checksums() == original)
        #expect(try await stack.checkpoints() == (try await stack.highWatermarks()))
        #expect(try await stack.schemaExists("story_shadow") == false)
        #expect(try await stack.count("annals.replays") == 0)
        #expect(try await stack.query("SELECT 1 FROM annals.checkpoints WHERE projection <> 'story'").isEmpty)
    }

    @Test func untilBuildsTheStateAsOfAnOffsetOrATimeWithoutTouchingTheLiveTables() async throws {
        let stack = try StoryStack(name: "until", partitions: 2)
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 10, prefix: "until")
        try await generator.publish(0..<600, with: stack.producer)
        try await Task.sleep(for: .milliseconds(1_100))  // a clear gap between the two batches' Kafka timestamps
        let cut = Date()
        try await Task.sleep(for: .milliseconds(1_100))
        try await generator.publish(600..<1_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("until"))
        try await stack.waitForCheckpoints(total: 1_000, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
        let original = try await stack.checksums()

        let (byTime, timeOutput) = try await stack.runCLI(
            ["replay", "story", "--until", cut.formatted(.iso8601)] + stack.connectionArguments)
        #expect(byTime == .exited(0), "\(timeOutput)")
        #expect(try await stack.count("story_shadow.events") == 600)
        #expect(try await stack.query("SELECT 1 FROM story_shadow.events WHERE event_id = $1", [.init(generator.eventID(600))]).isEmpty)
        #expect(try await stack.checksums() == original)
        let (_, _) = try await stack.runCLI(["replay", "story", "--abandon"] + stack.connectionArguments)

        let (byOffset, offsetOutput) = try await stack.runCLI(["replay", "story", "--until", "100"] + stack.connectionArguments)
        #expect(byOffset == .exited(0), "\(offsetOutput)")
        #expect(try await stack.count("story_shadow.events") == 200)
        #expect(try await stack.checksums() == original)
    }

    @Test func verifyReportsARowAlteredByHandAndNothingOtherwise() async throws {
        let stack = try StoryStack(name: "verify")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 20, prefix: "verify")
        try await generator.publish(0..<3_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("verify"), batchSize: 500)
        try await stack.waitForCheckpoints(total: 3_000, workers: [worker])

        let (same, sameOutput) = try await stack.runCLI(["verify", "story"] + stack.connectionArguments)
        #expect(same == .exited(0), "\(sameOutput)")
        #expect(sameOutput.contains("no differences"), "\(sameOutput)")
        #expect(sameOutput.contains("story.events: identical (3000 rows)"), "\(sameOutput)")

        try await stack.execute("UPDATE story.events SET summary = 'tampered by hand' WHERE event_id = $1",
                                [.init(generator.eventID(1_234))])
        let (different, output) = try await stack.runCLI(["verify", "story"] + stack.connectionArguments)
        #expect(different == .exited(1), "\(output)")
        #expect(output.contains("story.events: DIFFERENT"), "\(output)")
        #expect(output.contains("1 only in live, 1 only in the rebuild"), "\(output)")
        #expect(output.contains("tampered by hand"), "\(output)")
        #expect(output.contains("story.worlds: identical"), "\(output)")
        #expect(try await stack.schemaExists("story_verify") == false)
        #expect(try await stack.schemaExists("story_verify_live") == false)
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
    }

    /// Starts `annals replay story` with small batches and SIGKILLs it once its shadow holds some events.
    /// The replay is frozen (SIGSTOP) while the shadow is inspected, so it cannot finish and swap between the
    /// check and the kill however slowly this test is scheduled.
    private func killReplayMidway(_ stack: StoryStack) async throws {
        let replay = try ChildProcess.annals("annals", arguments: ["replay", "story", "--batch-size", "50"] + stack.connectionArguments)
        let database = stack.database
        try await onOwnThread {
            let connection = try database.connect()
            let deadline = ContinuousClock.now + .seconds(90)
            while true {
                if let status = replay.status() { throw TestSupportFailure("replay \(status) early:\n\(replay.logTail())") }
                try replay.freeze()
                let rows = try connection.execute("""
                    SELECT coalesce(sum(next_offset), 0)::bigint AS n,
                           EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'story_shadow') AS shadow
                    FROM annals.checkpoints WHERE projection = 'story:shadow'
                    """).rows
                if try rows.first?.bool("shadow") == true, try (rows.first?.int64("n") ?? 0) >= 1_000 {
                    // Killed here, not after returning: a frozen client mid-COPY holds up every DROP DATABASE on the
                    // server until it dies, and the caller's task may wait for a pool thread such a drop occupies.
                    try replay.kill(SIGKILL)
                    return
                }
                guard ContinuousClock.now < deadline else { throw TestSupportFailure("the shadow never filled part-way") }
                try replay.kill(SIGCONT)
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        _ = try await replay.waitForExit(timeout: .seconds(30))
        #expect(try await stack.schemaExists("story_shadow"))
    }
}

extension StoryStack {
    /// `--brokers` and `--database-url` of this stack.
    var connectionArguments: [String] {
        ["--brokers", kafka.bootstrapServers, "--database-url", database.url]
    }

    func schemaExists(_ schema: String) async throws -> Bool {
        try await query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [.init(schema)]).isEmpty == false
    }
}

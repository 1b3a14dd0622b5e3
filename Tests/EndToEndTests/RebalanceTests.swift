import Foundation
import Testing
import TestSupport

/// Scaling out and in: two workers of one group split the partitions; when one stops the other takes over,
/// and the totals stay exact across both rebalances. Two probe workers (no dedupe: one row per apply) of a group of
/// their own scale out and in at the same moments, so an event applied twice across a rebalance cannot hide behind the
/// story projection's dedupe by event id.
@Suite("Rebalance", .timeLimit(.minutes(3)))
struct RebalanceTests {
    @Test func twoWorkersSplitPartitionsAndTotalsStayExactWhenOneStops() async throws {
        let stack = try StoryStack(name: "rebalance")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 40, prefix: "rebalance")
        let group = TestKafkaCluster.uniqueGroupID("rebalance")
        let probeGroup = TestKafkaCluster.uniqueGroupID("rebalance-probe")
        let all: Set<Int32> = [0, 1, 2, 3]

        try await generator.publish(0..<10_000, with: stack.producer)
        let first = try stack.startWorker(group: group, batchSize: 500, name: "rebalance-a")
        let probeFirst = try stack.startProbeWorker(group: probeGroup, batchSize: 500, name: "rebalance-probe-a")
        try await stack.waitForCheckpoints(total: 10_000, workers: [first, probeFirst])
        try await stack.waitForCheckpoints(total: 10_000, workers: [first, probeFirst], projection: "probe")

        // Scale out: the second member joins; each ends up owning some partitions, together all of them.
        let second = try stack.startWorker(group: group, batchSize: 500, name: "rebalance-b")
        let probeSecond = try stack.startProbeWorker(group: probeGroup, batchSize: 500, name: "rebalance-probe-b")
        try await waitUntil(timeout: .seconds(60), description: "both workers of each group to own a share of the partitions") {
            for worker in [first, second, probeFirst, probeSecond] where !worker.isRunning {
                throw TestSupportFailure("worker exited: \(worker.logTail())")
            }
            func split(_ one: ChildProcess, _ other: ChildProcess) -> Bool {
                guard let a = StoryStack.assignments(in: one.log()).last,
                      let b = StoryStack.assignments(in: other.log()).last else { return false }
                return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == all
            }
            return split(first, second) && split(probeFirst, probeSecond)
        }
        let splitA = StoryStack.assignments(in: first.log()).last!
        let splitB = StoryStack.assignments(in: second.log()).last!
        let before = try await stack.checkpoints()
        try await generator.publish(10_000..<20_000, with: stack.producer)
        try await stack.waitForCheckpoints(total: 20_000, workers: [first, second, probeFirst, probeSecond])
        try await stack.waitForCheckpoints(total: 20_000, workers: [first, second, probeFirst, probeSecond], projection: "probe")
        // Every partition moved on, so both workers committed.
        let after = try await stack.checkpoints()
        #expect(all.allSatisfy { (after[$0] ?? 0) > (before[$0] ?? 0) }, "before \(before), after \(after)")
        #expect(StoryStack.assignments(in: second.log()).last == splitB, "\(second.logTail())")
        print("twoWorkersSplitPartitions: worker A owned \(splitA.sorted()), worker B owned \(splitB.sorted())")

        // Scale in: B stops gracefully, A takes everything over while events keep coming.
        let more = Task { try await generator.publish(20_000..<30_000, with: stack.producer, chunk: 1_000) }
        try second.kill(SIGTERM)
        try probeSecond.kill(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(30)) == .exited(0), "\(second.logTail())")
        #expect(try await probeSecond.waitForExit(timeout: .seconds(30)) == .exited(0), "\(probeSecond.logTail())")
        try await more.value
        try await waitUntil(timeout: .seconds(60), description: "the remaining workers to own every partition") {
            StoryStack.assignments(in: first.log()).last == all && StoryStack.assignments(in: probeFirst.log()).last == all
        }
        try await stack.waitForCheckpoints(total: 30_000, workers: [first, probeFirst])
        try await stack.waitForCheckpoints(total: 30_000, workers: [first, probeFirst], projection: "probe")
        try first.kill(SIGTERM)
        try probeFirst.kill(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(30)) == .exited(0))
        #expect(try await probeFirst.waitForExit(timeout: .seconds(30)) == .exited(0))
        // Each event applied exactly once across both rebalances: a row per apply, no dedupe to hide a second one.
        let applied = try await stack.probeCount()
        #expect(applied == .exactlyOnce(30_000), "probe.applies: \(applied)")

        #expect(try await stack.count("story.events") == 30_000)
        #expect(try await stack.count("story.sequence_gaps") == 0)
        #expect(try await stack.count("annals.dead_letters") == 0)
        #expect(try await stack.outOfOrderEvents() == 0)
        let worlds = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: 30_000) {
            #expect(worlds[world]?.eventCount == want.eventCount && worlds[world]?.lastSequence == want.lastSequence)
        }
    }
}

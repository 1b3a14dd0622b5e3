import Foundation
import Testing
import TestSupport

/// Scaling out and in: two workers of one group split the partitions; when one stops the other takes over,
/// and the totals stay exact across both rebalances.
@Suite("Rebalance", .timeLimit(.minutes(3)))
struct RebalanceTests {
    @Test func twoWorkersSplitPartitionsAndTotalsStayExactWhenOneStops() async throws {
        let stack = try StoryStack(name: "rebalance")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 40, prefix: "rebalance")
        let group = TestKafkaCluster.uniqueGroupID("rebalance")
        let all: Set<Int32> = [0, 1, 2, 3]

        try await generator.publish(0..<10_000, with: stack.producer)
        let first = try stack.startWorker(group: group, batchSize: 500, name: "rebalance-a")
        try await stack.waitForCheckpoints(total: 10_000, workers: [first])

        // Scale out: the second member joins; each ends up owning some partitions, together all of them.
        let second = try stack.startWorker(group: group, batchSize: 500, name: "rebalance-b")
        try await waitUntil(timeout: .seconds(60), description: "both workers to own a share of the partitions") {
            for worker in [first, second] where !worker.isRunning {
                throw TestSupportFailure("worker exited: \(worker.logTail())")
            }
            guard let a = StoryStack.assignments(in: first.log()).last,
                  let b = StoryStack.assignments(in: second.log()).last else { return false }
            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == all
        }
        let splitA = StoryStack.assignments(in: first.log()).last!
        let splitB = StoryStack.assignments(in: second.log()).last!
        let before = try await stack.checkpoints()
        try await generator.publish(10_000..<20_000, with: stack.producer)
        try await stack.waitForCheckpoints(total: 20_000, workers: [first, second])
        // Every partition moved on, so both workers committed.
        let after = try await stack.checkpoints()
        #expect(all.allSatisfy { (after[$0] ?? 0) > (before[$0] ?? 0) }, "before \(before), after \(after)")
        #expect(StoryStack.assignments(in: second.log()).last == splitB, "\(second.logTail())")
        print("twoWorkersSplitPartitions: worker A owned \(splitA.sorted()), worker B owned \(splitB.sorted())")

        // Scale in: B stops gracefully, A takes everything over while events keep coming.
        let more = Task { try await generator.publish(20_000..<30_000, with: stack.producer, chunk: 1_000) }
        try second.kill(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(30)) == .exited(0), "\(second.logTail())")
        try await more.value
        try await waitUntil(timeout: .seconds(60), description: "the remaining worker to own every partition") {
            StoryStack.assignments(in: first.log()).last == all
        }
        try await stack.waitForCheckpoints(total: 30_000, workers: [first])
        try first.kill(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(30)) == .exited(0))

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

import Foundation
import Testing
import TestSupport

/// Guarantee 6, Kafka side: the broker going away mid-stream stops nothing for good; librdkafka reconnects,
/// the worker carries on from where it was, and loses or doubles nothing.
@Suite("Broker outage", .timeLimit(.minutes(3)))
struct BrokerOutageTests {
    @Test func workerRidesOutABrokerOutageAndLosesNothing() async throws {
        let stack = try StoryStack(name: "broker_outage")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 20, prefix: "broker-outage")

        try await generator.publish(0..<4_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("broker-outage"), batchSize: 500)
        try await stack.waitForCheckpoints(total: 4_000, workers: [worker])

        // The only broker goes down; events published meanwhile wait in the producer until it is back.
        try stack.kafka.cluster.setBrokerDown(1)
        let publishing = Task { try await generator.publish(4_000..<8_000, with: stack.producer) }
        // The outage's length is the input of this test, not a wait for something to happen.
        try await Task.sleep(for: .seconds(4))
        #expect(worker.isRunning, "the worker must survive a broker outage: \(worker.logTail())")
        #expect(try await stack.checkpointTotal() == 4_000)

        try stack.kafka.cluster.setBrokerUp(1)
        try await publishing.value
        try await stack.waitForCheckpoints(total: 8_000, workers: [worker], timeout: .seconds(120))
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

        #expect(try await stack.count("story.events") == 8_000)
        #expect(try await stack.count("story.sequence_gaps") == 0)
        #expect(try await stack.count("annals.dead_letters") == 0)
        let worlds = try await stack.worlds()
        for (world, want) in generator.expectedWorlds(afterEvents: 8_000) {
            #expect(worlds[world]?.eventCount == want.eventCount && worlds[world]?.lastSequence == want.lastSequence)
        }
    }
}

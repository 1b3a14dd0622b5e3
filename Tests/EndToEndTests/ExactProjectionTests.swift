import Foundation
import Testing
import TestSupport

/// Guarantees 1 and 2 on a clean run: every published event is projected exactly once, with its content, in key order.
@Suite("Exact projection by a worker process", .timeLimit(.minutes(3)))
struct ExactProjectionTests {
    @Test func workerProjectsTenThousandEventsOverFourPartitionsExactly() async throws {
        let stack = try StoryStack(name: "exact")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 50, prefix: "exact")
        let total = 10_000

        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("exact"))
        try await generator.publish(0..<total, with: stack.producer)
        try await stack.waitForCheckpoints(total: Int64(total), workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

        // Counts: every event once, every world, no gaps, nothing dead-lettered.
        let watermarks = try await stack.highWatermarks()
        #expect(watermarks.values.reduce(0, +) == Int64(total))
        #expect(watermarks.values.allSatisfy { $0 > 0 }, "keys spread over all 4 partitions: \(watermarks)")
        #expect(try await stack.checkpoints() == watermarks)
        #expect(try await stack.count("story.events") == total)
        #expect(try await stack.count("story.sequence_gaps") == 0)
        #expect(try await stack.deadLetters().isEmpty)

        // Per world: event_count and last_sequence as published.
        let worlds = try await stack.worlds()
        let expected = generator.expectedWorlds(afterEvents: total)
        #expect(worlds.count == 50)
        for (world, want) in expected {
            let got = worlds[world]
            #expect(got?.eventCount == want.eventCount && got?.lastSequence == want.lastSequence && got?.gaps == 0,
                    "world \(world): got \(String(describing: got)), want \(want)")
        }

        // Per-key order: each world lives in one partition and its sequences follow its offsets.
        #expect(try await stack.outOfOrderEvents() == 0)
        let partitionsPerWorld = try await stack.query(
            "SELECT max(n)::bigint AS n FROM (SELECT count(DISTINCT partition) AS n FROM story.events GROUP BY world_id) w")
        #expect(try partitionsPerWorld.first?.int("n") == 1)

        // Contents: spot-check rows against the generator.
        for index in [0, 1, 49, 50, 4_999, 7_777, total - 1] {
            let event = generator.event(index)
            let rows = try await stack.query(
                """
                SELECT world_id, sequence, kind, array_to_string(actors, ',') AS actors, summary,
                       payload->>'region' AS region, (payload->>'index')::numeric::bigint AS payload_index,
                       (payload->>'heroic')::boolean AS heroic,
                       (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_us,
                       producer, trace_id, topic
                FROM story.events WHERE event_id = $1
                """, [.init(event.meta.eventID)])
            let row = try #require(rows.first, "event \(event.meta.eventID) missing")
            #expect(try row.string("world_id") == event.worldID)
            #expect(try row.int("sequence") == Int(event.sequence))
            #expect(try row.string("kind") == event.kind)
            #expect(try row.string("actors") == event.actors.joined(separator: ","))
            #expect(try row.string("summary") == event.summary)
            #expect(try row.string("region") == "region-\(index % 5)")
            #expect(try row.int("payload_index") == index)
            #expect(try row.bool("heroic") == (index % 2 == 0))
            #expect(try row.int64("occurred_us") == generator.occurredAtMicroseconds(index))
            #expect(try row.string("producer") == "e2e-generator")
            #expect(try row.string("trace_id") == event.meta.traceID)
            #expect(try row.string("topic") == "story-event")
        }
    }
}

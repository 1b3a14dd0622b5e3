import AnnalsEvents
import Foundation
import Kafka
import SwiftProtobuf
import Testing
import TestSupport

/// Guarantee 4: undecodable, mistyped and invalid messages land in annals.dead_letters with a readable error,
/// and the events after them on the same partition apply.
@Suite("Poison messages", .timeLimit(.minutes(2)))
struct PoisonMessageTests {
    @Test func poisonMessagesAreDeadLetteredWithTheirReasonAndTheStreamMovesOn() async throws {
        let stack = try StoryStack(name: "poison")
        defer { stack.tearDown() }
        let world = "poison-world"
        let key = Array(world.utf8)
        let storyType = KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.storyEvent.messageTypeName.utf8))
        func story(_ sequence: UInt64, eventID: String? = nil, worldID: String? = nil) -> StoryEvent {
            var event = StoryEventGenerator(worlds: 1, prefix: "poison").event(Int(sequence) - 1)
            event.worldID = worldID ?? world
            event.meta.eventID = eventID ?? "poison-\(sequence)"
            return event
        }
        var sample = MetricSample()
        sample.meta.eventID = "metric-1"
        sample.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600, nanos: 0)
        sample.tier = .gold
        sample.instanceID = "gpu-1"
        sample.sampledAt = EventTimestamp(seconds: 1_767_225_600, nanos: 0)
        sample.gpuUtilization = 0.5
        let metricBytes: [UInt8] = try sample.serializedBytes()

        // Everything keyed by one world: one partition, in this order.
        let records = [
            try StoryEventGenerator.record(for: story(1)),
            KafkaRecord(topic: StoryStack.topic, key: key, value: [0xff, 0xfe, 0x00, 0x13, 0x37, 0xde, 0xad], headers: [storyType]),
            KafkaRecord(topic: StoryStack.topic, key: key, value: metricBytes,
                        headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array("annals.v1.MetricSample".utf8))]),
            KafkaRecord(topic: StoryStack.topic, key: key, value: metricBytes),
            try StoryEventGenerator.record(for: story(2, eventID: "")),
            try StoryEventGenerator.record(for: story(2, worldID: "")).with(key: key),
            try StoryEventGenerator.record(for: story(2)),
            try StoryEventGenerator.record(for: story(3)),
        ]
        try await StoryEventGenerator.send(records, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("poison"))
        try await stack.waitForCheckpoints(total: Int64(records.count), workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))

        let letters = try await stack.deadLetters()
        #expect(letters.count == 5, "\(letters)")
        #expect(Set(letters.map(\.partition)).count == 1)
        #expect(letters.map(\.offset) == [1, 2, 3, 4, 5])
        let errors = letters.map(\.error)
        guard errors.count == 5 else { return }
        #expect(errors[0].contains("not a valid annals.v1.StoryEvent"), "garbage: \(errors[0])")
        #expect(errors[1].contains("annals.v1.MetricSample"), "wrong type header: \(errors[1])")
        #expect(errors[2].contains("annals.v1.StoryEvent"), "metric bytes without header: \(errors[2])")
        #expect(errors[3].contains("meta.event_id"), "missing event id: \(errors[3])")
        #expect(errors[4].contains("world_id"), "empty world id: \(errors[4])")
        print("poison messages dead-lettered as:\n  " + errors.joined(separator: "\n  "))

        // The raw message is kept for re-driving.
        let kept = try await stack.query(
            "SELECT value, key, headers::text AS headers FROM annals.dead_letters WHERE \"offset\" = 2")
        #expect(try kept.first?.bytes("value") == metricBytes)
        #expect(try kept.first?.bytes("key") == key)
        #expect(try kept.first?.string("headers").contains("annals-type") == true)

        // The events around the poison applied, in order.
        #expect(try await stack.count("story.events") == 3)
        let worlds = try await stack.worlds()
        #expect(worlds.count == 1)
        #expect(worlds[world]?.eventCount == 3 && worlds[world]?.lastSequence == 3 && worlds[world]?.gaps == 0)
    }
}

extension PoisonMessageTests {
    /// Oversized events (over the worker's --max-event-bytes, 1 MiB by default) are dead-lettered whole, never
    /// decoded, and the partition moves on.
    @Test func anOversizedEventIsDeadLetteredWithItsRawValueAndTheEventsAfterItApply() async throws {
        let stack = try StoryStack(name: "oversized", partitions: 1)
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 1, prefix: "oversized")
        var events = (0..<4).map(generator.event)
        events[1].summary = String(repeating: "a long saga ", count: 2 * 1_048_576 / 12 + 10)
        let bigBytes: [UInt8] = try events[1].serializedBytes()
        var config = stack.kafka.config
        config["message.max.bytes"] = String(8 * 1_048_576)  // librdkafka's producer refuses 1,000,000+ bytes by default
        let producer = try KafkaProducer(config: config, logger: StoryStack.logger)
        try await StoryEventGenerator.send(try events.map { try StoryEventGenerator.record(for: $0) }, with: producer)

        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("oversized"))
        try await stack.waitForCheckpoints(total: 4, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))

        let letters = try await stack.deadLetters()
        #expect(letters.map(\.offset) == [1])
        #expect(letters.first?.error.hasSuffix("bytes, over the 1,048,576-byte limit (--max-event-bytes)") == true, "\(letters)")
        let kept = try await stack.query(#"SELECT value FROM annals.dead_letters WHERE "offset" = 1"#)
        #expect(try kept.first?.bytes("value") == bigBytes, "the raw value is kept, to re-drive once the limit is raised")
        let applied = try await stack.query("SELECT event_id FROM story.events ORDER BY \"offset\"").map { try $0.string("event_id") }
        #expect(applied == [events[0], events[2], events[3]].map(\.meta.eventID))
    }
}

extension KafkaRecord {
    func with(key: [UInt8]) -> KafkaRecord {
        var copy = self
        copy.key = key
        return copy
    }
}

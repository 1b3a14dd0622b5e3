import AnnalsEvents
import Foundation
import Kafka
import SwiftProtobuf

/// Deterministic story events: event `i` (0-based) belongs to world `i % worlds`, carries the next sequence of that
/// world (1, 2, …), the id `<prefix>-<i>` and an occurred-at derived from `i`. The same generator always yields the
/// same events, so what a test published can be recomputed exactly.
public struct StoryEventGenerator: Sendable {
    /// Number of distinct worlds.
    public let worlds: Int
    /// Prefix of event ids and world ids, so several generators can share a topic without colliding.
    public let prefix: String
    /// Event time of event 0, seconds since the epoch (2026-01-01T00:00:00Z).
    public let baseSeconds: Int64

    public init(worlds: Int, prefix: String = "e2e", baseSeconds: Int64 = 1_767_225_600) {
        precondition(worlds > 0, "at least one world")
        self.worlds = worlds
        self.prefix = prefix
        self.baseSeconds = baseSeconds
    }

    /// World id of event `index`.
    public func worldID(ofEvent index: Int) -> String { worldID(index % worlds) }

    /// The id of world number `world`.
    public func worldID(_ world: Int) -> String { "\(prefix)-world-\(world)" }

    /// Event id of event `index`.
    public func eventID(_ index: Int) -> String { "\(prefix)-event-\(index)" }

    /// Per-world sequence of event `index` (1-based).
    public func sequence(ofEvent index: Int) -> UInt64 { UInt64(index / worlds + 1) }

    /// Event time of event `index` in microseconds since the epoch: one second and 1 234 µs apart.
    public func occurredAtMicroseconds(_ index: Int) -> Int64 {
        (baseSeconds + Int64(index)) * 1_000_000 + Int64(index % 1000) * 1_234
    }

    /// Event `index`.
    public func event(_ index: Int) -> StoryEvent {
        var event = StoryEvent()
        var meta = EventMeta()
        meta.eventID = eventID(index)
        let micros = occurredAtMicroseconds(index)
        meta.occurredAt = EventTimestamp(microsecondsSinceEpoch: micros)
        meta.producer = "e2e-generator"
        meta.schemaVersion = 1
        meta.traceID = String(format: "%032x", index)
        event.meta = meta
        event.worldID = worldID(ofEvent: index)
        event.sequence = sequence(ofEvent: index)
        event.kind = ["quest-started", "quest-completed", "character-met", "item-found"][index % 4]
        event.actors = ["actor-\(index % 7)", "actor-\(index % 11)"]
        event.summary = "Event \(index) in \(event.worldID): \(event.kind)"
        event.payload = Google_Protobuf_Struct(fields: [
            "index": Google_Protobuf_Value(numberValue: Double(index)),
            "region": Google_Protobuf_Value(stringValue: "region-\(index % 5)"),
            "heroic": Google_Protobuf_Value(boolValue: index % 2 == 0),
        ])
        return event
    }

    /// Events `range`, in order.
    public func events(_ range: Range<Int>) -> [StoryEvent] { range.map(event) }

    /// A Kafka record for event `index`: keyed by world id, with the `annals-type` header.
    public func record(_ index: Int) throws -> KafkaRecord {
        try Self.record(for: event(index))
    }

    /// A Kafka record for `event` as Annals producers write it.
    public static func record(for event: StoryEvent, topic: String = AnnalsTopic.storyEvent.rawValue) throws -> KafkaRecord {
        KafkaRecord(
            topic: topic, key: Array(event.worldID.utf8), value: try event.serializedBytes(),
            headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.storyEvent.messageTypeName.utf8))])
    }

    /// Produces events `range` with `producer` in chunks; throws on the first failed delivery.
    public func publish(_ range: Range<Int>, with producer: KafkaProducer, chunk: Int = 5_000) async throws {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + chunk, range.upperBound)
            try await Self.send(try (start..<end).map(record), with: producer)
            start = end
        }
    }

    /// Sends `records`; throws describing the first failed delivery.
    public static func send(_ records: [KafkaRecord], with producer: KafkaProducer) async throws {
        for (index, result) in (await producer.sendAll(records)).enumerated() {
            if case .failure(let error) = result {
                throw TestSupportFailure("delivery of record \(index) to \(records[index].topic) failed: \(error)")
            }
        }
    }

    /// What `story.worlds` must hold after events `0..<count` are applied: world id → (event count, last sequence).
    public func expectedWorlds(afterEvents count: Int) -> [String: (eventCount: Int, lastSequence: Int)] {
        var expected: [String: (eventCount: Int, lastSequence: Int)] = [:]
        for world in 0..<min(worlds, count) {
            let events = (count - world + worlds - 1) / worlds
            expected[worldID(world)] = (events, events)
        }
        return expected
    }

    /// Proto3 JSON of event `index`, one line (the format of `annals publish --file`).
    public func jsonLine(_ index: Int) throws -> String {
        try event(index).jsonString()
    }
}

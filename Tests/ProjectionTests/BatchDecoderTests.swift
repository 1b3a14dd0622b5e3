import AnnalsEvents
import Kafka
@testable import Projection
import Testing

@Suite struct BatchDecoderTests {
    static func message(_ value: [UInt8]?, headers: [KafkaHeader] = [], offset: Int64 = 0) -> KafkaMessage {
        KafkaMessage(topic: "story-event", partition: 0, offset: offset, key: Array("w".utf8), value: value,
                     headers: headers, timestampMilliseconds: nil)
    }

    static func validEvent(id: String = "e1") throws -> [UInt8] {
        var event = StoryEvent()
        event.meta.eventID = id
        event.meta.occurredAt = EventTimestamp(seconds: 1_700_000_000)
        event.worldID = "w"
        event.sequence = 1
        event.kind = "k"
        return try event.serializedBytes()
    }

    @Test func validEventsPassAndPoisonBecomesDeadLettersInOrder() throws {
        let decoder = BatchDecoder(topics: [.storyEvent])
        let messages = [
            Self.message(try Self.validEvent(id: "a"), offset: 0),
            Self.message([0xFF, 0x01, 0x02], offset: 1),
            Self.message(nil, offset: 2),
            Self.message(try Self.validEvent(id: "b"), headers: [KafkaHeader(key: "annals-type", value: Array("annals.v1.MetricSample".utf8))], offset: 3),
            Self.message(try Self.validEvent(id: "c"), offset: 4),
        ]
        let (events, deadLetters) = decoder.decode(messages)
        #expect(events.map(\.coordinates.offset) == [0, 4])
        #expect(deadLetters.map(\.coordinates.offset) == [1, 2, 3])
        #expect(deadLetters[0].error.contains("not a valid annals.v1.StoryEvent"))
        #expect(deadLetters[1].error.contains("empty message"))
        #expect(deadLetters[2].error.contains("labelled annals.v1.MetricSample"))
        #expect(deadLetters[0].value == [0xFF, 0x01, 0x02], "the raw bytes are kept for re-driving")
    }

    @Test func anEventOverTheLimitIsDeadLetteredWithItsRawValueAndTheOnesAfterItDecode() throws {
        let decoder = BatchDecoder(topics: [.storyEvent])
        #expect(decoder.maxEventBytes == 1_048_576, "1 MiB by default")
        var big = StoryEvent()
        big.meta.eventID = "big"
        big.meta.occurredAt = EventTimestamp(seconds: 1_700_000_000)
        big.worldID = "w"
        big.sequence = 2
        big.kind = "k"
        big.summary = String(repeating: "x", count: 2 * 1_048_576)
        let bigBytes: [UInt8] = try big.serializedBytes()
        let messages = [
            Self.message(try Self.validEvent(id: "a"), offset: 0),
            Self.message(bigBytes, offset: 1),
            Self.message(try Self.validEvent(id: "c"), offset: 2),
        ]
        let (events, deadLetters) = decoder.decode(messages)
        #expect(events.map(\.coordinates.offset) == [0, 2])
        #expect(deadLetters.map(\.coordinates.offset) == [1])
        #expect(deadLetters.first?.error
            == "event is \(BatchDecoder.grouped(bigBytes.count)) bytes, over the 1,048,576-byte limit (--max-event-bytes)")
        #expect(deadLetters.first?.value == bigBytes, "the raw value is kept, to re-drive once the limit is raised")
        #expect(BatchDecoder(topics: [.storyEvent], maxEventBytes: bigBytes.count).decode([Self.message(bigBytes)]).events.count == 1)
    }

    @Test func anEventOfExactlyTheLimitDecodesAndOneByteMoreDoesNot() throws {
        let bytes = try Self.validEvent()
        #expect(BatchDecoder(topics: [.storyEvent], maxEventBytes: bytes.count).decode([Self.message(bytes)]).events.count == 1)
        let (events, deadLetters) = BatchDecoder(topics: [.storyEvent], maxEventBytes: bytes.count - 1).decode([Self.message(bytes)])
        #expect(events.isEmpty)
        #expect(deadLetters.first?.error.contains("over the \(bytes.count - 1)-byte limit") == true)
    }

    /// 2026-12-06T10:00:00Z, the records' Kafka timestamp.
    static let recordMilliseconds: Int64 = 1_796_551_200_000
    /// 2056-03-01T00:00:00Z.
    static let farFuture = EventTimestamp(seconds: 2_719_094_400)

    static func record(_ event: AnnalsEvent, offset: Int64, timestamp: Int64? = recordMilliseconds) throws -> KafkaMessage {
        KafkaMessage(topic: event.topic.rawValue, partition: 0, offset: offset, key: Array(event.key.utf8),
                     value: try event.serializedBytes(), timestampMilliseconds: timestamp)
    }

    static func sample(_ id: String, sampledAt: EventTimestamp) -> AnnalsEvent {
        var sample = MetricSample()
        sample.meta.eventID = id
        sample.meta.occurredAt = EventTimestamp(seconds: recordMilliseconds / 1_000)
        sample.tier = .gold
        sample.instanceID = "gold-00"
        sample.sampledAt = sampledAt
        return .metricSample(sample)
    }

    static func story(_ id: String, occurredAt: EventTimestamp) -> AnnalsEvent {
        var story = StoryEvent()
        story.meta.eventID = id
        story.meta.occurredAt = occurredAt
        story.worldID = "w"
        story.sequence = 1
        story.kind = "k"
        return .storyEvent(story)
    }

    static func decision(_ id: String, decidedAt: EventTimestamp) -> AnnalsEvent {
        var decision = ScaleDecision()
        decision.meta.eventID = id
        decision.meta.occurredAt = EventTimestamp(seconds: recordMilliseconds / 1_000)
        decision.decisionID = id
        decision.tier = .gold
        decision.decidedAt = decidedAt
        return .scaleDecision(decision)
    }

    @Test func eventTimesFarAheadOfTheRecordTimestampAreDeadLetteredSayingWhy() throws {
        let decoder = BatchDecoder(topics: [.metricSample, .storyEvent, .scaleDecision])
        #expect(decoder.eventTimeHorizonSeconds == 3_600, "an hour by default")
        let now = EventTimestamp(seconds: Self.recordMilliseconds / 1_000)
        let messages = [
            try Self.record(Self.sample("far-sample", sampledAt: Self.farFuture), offset: 0),
            try Self.record(Self.sample("sample", sampledAt: now), offset: 1),
            try Self.record(Self.story("far-story", occurredAt: Self.farFuture), offset: 2),
            try Self.record(Self.story("story", occurredAt: now), offset: 3),
            try Self.record(Self.decision("far-decision", decidedAt: Self.farFuture), offset: 4),
            try Self.record(Self.decision("decision", decidedAt: now), offset: 5),
            try Self.record(Self.sample("no-timestamp", sampledAt: Self.farFuture), offset: 6, timestamp: nil),
        ]
        let (events, deadLetters) = decoder.decode(messages)
        #expect(events.map(\.coordinates.offset) == [1, 3, 5, 6], "no record timestamp, no bound from it")
        #expect(deadLetters.map(\.coordinates.offset) == [0, 2, 4])
        let ahead = "2056-03-01T00:00:00Z is 29 years ahead of the record's timestamp 2026-12-06T10:00:00Z (more than "
            + "the 3600 s horizon, --event-time-horizon-seconds); a producer clock or unit wrong?"
        #expect(deadLetters.map(\.error) == [
            "invalid annals.v1.MetricSample: sampled_at \(ahead)",
            "invalid annals.v1.StoryEvent: meta.occurred_at \(ahead)",
            "invalid annals.v1.ScaleDecision: decided_at \(ahead)",
        ])
        #expect(deadLetters.first?.value == (try Self.sample("far-sample", sampledAt: Self.farFuture).serializedBytes()))
    }

    @Test func theHorizonIsConfigurable() throws {
        let twoHoursAhead = EventTimestamp(seconds: Self.recordMilliseconds / 1_000 + 7_200)
        let message = try Self.record(Self.sample("s", sampledAt: twoHoursAhead), offset: 0)
        #expect(BatchDecoder(topics: [.metricSample]).decode([message]).deadLetters.count == 1)
        #expect(BatchDecoder(topics: [.metricSample], eventTimeHorizonSeconds: 7_200).decode([message]).events.count == 1)
    }

    @Test(arguments: [
        (0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (1_048_576, "1,048,576"), (2_000_123, "2,000,123"),
        (-1_234, "-1,234"),
    ])
    func sizesAreGroupedInThousands(number: Int, text: String) {
        #expect(BatchDecoder.grouped(number) == text)
    }
}

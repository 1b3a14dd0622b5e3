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

    @Test(arguments: [
        (0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (1_048_576, "1,048,576"), (2_000_123, "2,000,123"),
        (-1_234, "-1,234"),
    ])
    func sizesAreGroupedInThousands(number: Int, text: String) {
        #expect(BatchDecoder.grouped(number) == text)
    }
}

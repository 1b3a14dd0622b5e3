import AnnalsEvents
import Kafka
import Projection
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

    @Test func oversizedMessagesAreDeadLettered() throws {
        let decoder = BatchDecoder(topics: [.storyEvent], maxMessageBytes: 8)
        let (events, deadLetters) = decoder.decode([Self.message(try Self.validEvent())])
        #expect(events.isEmpty)
        #expect(deadLetters.first?.error.contains("exceeds the 8-byte limit") == true)
    }
}

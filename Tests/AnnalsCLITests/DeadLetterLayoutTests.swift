@testable import AnnalsCLI
import AnnalsEvents
import Foundation
import Kafka
import Projection
import Testing

@Suite struct DeadLetterLayoutTests {
    static let failedAt = Date(timeIntervalSince1970: 1_795_602_662)  // 2026-11-25T10:31:02Z

    static func summary(id: Int64 = 12, error: String = "event is 2,000,123 bytes, over the limit", redriven: Date? = nil,
                        valueBytes: Int = 3) -> DeadLetterSummary {
        DeadLetterSummary(id: id, projection: "story", coordinates: EventCoordinates(topic: "story-event", partition: 3, offset: 41),
                          valueBytes: valueBytes, error: error, failedAt: failedAt, redrivenAt: redriven)
    }

    @Test func theHexDumpShowsOffsetsSixteenBytesAndThePrintableText() {
        let lines = DeadLetterLayout.hexDump(Array("annals.v1.StoryEvent\u{0}\u{7F}".utf8))
        #expect(lines == [
            "00000000  61 6e 6e 61 6c 73 2e 76  31 2e 53 74 6f 72 79 45  |annals.v1.StoryE|",
            "00000010  76 65 6e 74 00 7f                                 |vent..|",
        ])
        #expect(DeadLetterLayout.hexDump([]).isEmpty)
    }

    @Test(arguments: [
        (Array("world-7".utf8), "world-7"),
        ([0xFF, 0x00, 0x13], "hex:ff0013"),
        (Array("tab\there".utf8), "hex:7461620968657265"),
        (Array("émbre".utf8), "émbre"),
    ])
    func keysAreTextWhenPrintableUTF8AndHexOtherwise(bytes: [UInt8], shown: String) {
        #expect(DeadLetterLayout.text(bytes) == shown)
    }

    @Test func theTableHasOneRowPerLetterWithTheFirstLineOfItsError() {
        let lines = DeadLetterLayout.table([
            Self.summary(error: "event is 2,000,123 bytes\nsecond line"),
            Self.summary(id: 7, error: String(repeating: "e", count: 150), redriven: Self.failedAt.addingTimeInterval(60)),
        ])
        #expect(lines == [
            "ID  PROJECTION  AT                FAILED AT             STATE                           ERROR",
            "12  story       story-event/3@41  2026-11-25T10:31:02Z  waiting                         event is 2,000,123 bytes",
            "7   story       story-event/3@41  2026-11-25T10:31:02Z  re-driven 2026-11-25T10:32:02Z  "
                + String(repeating: "e", count: 99) + "…",
        ])
    }

    @Test func detailsShowTheRawMessageAndTheEventItHolds() throws {
        var event = StoryEvent()
        event.meta.eventID = "e1"
        event.worldID = "w"
        let value: [UInt8] = try event.serializedBytes()
        let letter = DeadLetter(
            coordinates: EventCoordinates(topic: "story-event", partition: 3, offset: 41), key: Array("w".utf8), value: value,
            headers: [KafkaHeader(key: "annals-type", value: Array("annals.v1.StoryEvent".utf8)), KafkaHeader(key: "empty", value: nil)],
            error: "invalid annals.v1.StoryEvent: kind is empty\nmore")
        let text = DeadLetterLayout.details(
            StoredDeadLetter(summary: Self.summary(error: letter.error, valueBytes: value.count), letter: letter), maxBytes: nil)
            .joined(separator: "\n")
        #expect(text.contains("at:          story-event/3@41"))
        #expect(text.contains("key:         w"))
        #expect(text.contains("  annals-type: annals.v1.StoryEvent\n  empty: (null)"))
        #expect(text.contains("error:\n  invalid annals.v1.StoryEvent: kind is empty\n  more"))
        #expect(text.contains("value:       \(value.count) bytes\n  00000000  0a"))
        #expect(text.contains("as annals.v1.StoryEvent (proto3 JSON):\n  {\"meta\":{\"eventId\":\"e1\"},\"worldId\":\"w\"}"), "\(text)")
    }

    @Test func aValueThatIsNoEventSaysWhyAndALongOneIsCut() {
        let value = [UInt8](repeating: 0xFF, count: 100)
        let letter = DeadLetter(coordinates: EventCoordinates(topic: "story-event", partition: 0, offset: 1), key: nil,
                                value: value, headers: [], error: "garbage")
        let lines = DeadLetterLayout.details(StoredDeadLetter(summary: Self.summary(valueBytes: 100), letter: letter), maxBytes: 32)
        #expect(lines.contains("key:         (none)"))
        #expect(lines.contains("headers:     (none)"))
        #expect(lines.contains("value:       100 bytes, the first 32 shown (--bytes 0 shows all)"))
        #expect(lines.filter { $0.hasPrefix("  000000") }.count == 2)
        #expect(lines.last?.hasPrefix("as an event: not a valid annals.v1.StoryEvent in protobuf binary") == true, "\(lines)")
    }

    @Test(arguments: [(0, "0"), (999, "999"), (1_000, "1,000"), (2_097_152, "2,097,152"), (-1_234_567, "-1,234,567")])
    func sizesAreGroupedInThousands(number: Int, text: String) {
        #expect(DeadLetterLayout.grouped(number) == text)
    }
}

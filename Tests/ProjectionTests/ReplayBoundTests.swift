import Kafka
import Projection
import Testing

@Suite struct ReplayBoundTests {
    let partitions = [TopicPartition(topic: "story-event", partition: 0): Int64(500),
                      TopicPartition(topic: "story-event", partition: 1): Int64(80)]

    @Test(arguments: [
        ("12000", ReplayBound.offset(12_000)),
        ("0", .offset(0)),
        ("2026-11-25T10:00:00Z", .timestamp(milliseconds: 1_795_600_800_000)),
        ("2026-11-25T10:00:00.250Z", .timestamp(milliseconds: 1_795_600_800_250)),
        ("2026-11-25T11:00:00+01:00", .timestamp(milliseconds: 1_795_600_800_000)),
    ])
    func parsesOffsetsAndISO8601Times(_ text: String, _ expected: ReplayBound) throws {
        #expect(try ReplayBound(parsing: text) == expected)
    }

    @Test(arguments: ["-5", "yesterday", "2026-11-25", "", "12k"])
    func refusesAnythingElseSayingWhatItTakes(_ text: String) {
        #expect(throws: ReplayError.badBound(text)) { try ReplayBound(parsing: text) }
        #expect(ReplayError.badBound(text).description.contains("ISO 8601"))
    }

    @Test func anOffsetStopsEveryPartitionThereButNeverPastItsEnd() {
        let stops = ReplayBound.offset(100).stopOffsets(highWatermarks: partitions)
        #expect(stops == [TopicPartition(topic: "story-event", partition: 0): 100,
                          TopicPartition(topic: "story-event", partition: 1): 80])
    }

    @Test func aTimeStopsAtEachPartitionsFirstLaterMessageOrItsEnd() {
        let stops = ReplayBound.timestamp(milliseconds: 1).stopOffsets(
            highWatermarks: partitions,
            firstAtOrAfter: [TopicPartition(topic: "story-event", partition: 0): 42,
                             TopicPartition(topic: "story-event", partition: 1): Int64?.none])
        #expect(stops == [TopicPartition(topic: "story-event", partition: 0): 42,
                          TopicPartition(topic: "story-event", partition: 1): 80])
    }
}

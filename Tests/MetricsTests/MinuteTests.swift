import AnnalsEvents
import AnnalsMetrics
import Testing

@Suite struct MinuteTests {
    @Test(arguments: [
        (Int64(0), Int64(0)), (59_999_999, 0), (60_000_000, 1), (-1, -1), (-60_000_000, -1), (-60_000_001, -2),
    ])
    func minuteContainingAnInstantFloorsTowardsThePast(microseconds: Int64, index: Int64) {
        #expect(Minute(containingMicroseconds: microseconds).index == index)
    }

    @Test func minutePrintsAsUTCToTheMinute() {
        let minute = Minute(containing: EventTimestamp(seconds: 1_772_388_000 + 5 * 60 + 59, nanos: 999_999_999))
        #expect(minute.description == "2026-03-01T18:05Z")
        #expect(minute.compact == "202603011805")
        #expect(Minute(index: 0).description == "1970-01-01T00:00Z")
        #expect(Minute(index: -1).description == "1969-12-31T23:59Z")
        #expect(Minute(containing: EventTimestamp(seconds: 951_825_600, nanos: 0)).description == "2000-02-29T12:00Z")
    }

    @Test func minuteBoundsAreItsStartAndTheNextStart() {
        let minute = SampleFactory.minute(3)
        #expect(minute.start.seconds == SampleFactory.origin + 180)
        #expect(minute.end.seconds == SampleFactory.origin + 240)
        #expect(minute.end == minute.advanced(by: 1).start)
        #expect(Minute.timestamp(microseconds: -1) == EventTimestamp(seconds: -1, nanos: 999_999_000))
    }
}

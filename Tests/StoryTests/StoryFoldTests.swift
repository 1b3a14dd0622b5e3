import AnnalsEvents
import Projection
import Story
import Testing

@Suite struct StoryFoldTests {
    static func event(_ id: String, world: String = "w", sequence: UInt64, at seconds: Int64 = 1_000) -> (event: StoryEvent, coordinates: EventCoordinates) {
        var event = StoryEvent()
        event.meta.eventID = id
        event.meta.occurredAt = EventTimestamp(seconds: seconds)
        event.worldID = world
        event.sequence = sequence
        event.kind = "k"
        return (event, EventCoordinates(topic: "story-event", partition: 0, offset: Int64(sequence)))
    }

    @Test func newWorldsAreSummarised() {
        let changes = StoryFold.fold([Self.event("a", sequence: 1, at: 10), Self.event("b", sequence: 2, at: 5)], worlds: [:], applied: [])
        #expect(changes.newEvents.count == 2)
        #expect(changes.worlds == [WorldSummary(worldID: "w", eventCount: 2, firstEventAt: 5_000_000, lastEventAt: 10_000_000,
                                                lastSequence: 2, gapCount: 0)])
        #expect(changes.breaks.isEmpty)
    }

    @Test func alreadyAppliedAndRepeatedEventIdsChangeNothing() {
        let stored = ["w": WorldSummary(worldID: "w", eventCount: 1, firstEventAt: 0, lastEventAt: 0, lastSequence: 1, gapCount: 0)]
        let changes = StoryFold.fold([Self.event("a", sequence: 1), Self.event("b", sequence: 2), Self.event("b", sequence: 2)],
                                     worlds: stored, applied: ["a"])
        #expect(changes.newEvents.map(\.event.meta.eventID) == ["b"])
        #expect(changes.worlds.first?.eventCount == 2)
    }

    @Test(arguments: [
        ([1, 2, 3], [] as [String]),
        ([1, 3], ["gap 2→3"]),
        ([2], ["gap 1→2"]),
        ([1, 2, 2], ["regression 3→2"]),
        ([1, 3, 2], ["gap 2→3", "regression 4→2"]),
    ] as [([UInt64], [String])])
    func sequenceBreaksAreRecordedNeverDropped(sequences: [UInt64], expected: [String]) {
        let events = sequences.enumerated().map { Self.event("e\($0.offset)", sequence: $0.element) }
        let changes = StoryFold.fold(events, worlds: [:], applied: [])
        #expect(changes.newEvents.count == sequences.count, "every event is stored, even out of sequence")
        #expect(changes.breaks.map { "\($0.kind.rawValue) \($0.expectedSequence)→\($0.actualSequence)" } == expected)
        #expect(changes.worlds.first?.gapCount == Int64(expected.count))
        #expect(changes.worlds.first?.lastSequence == Int64(sequences.max() ?? 0))
    }

    @Test func foldingInTwoBatchesEqualsFoldingInOne() {
        var events: [(event: StoryEvent, coordinates: EventCoordinates)] = []
        for index in 1...20 {
            let sequence = UInt64((index + 2) / 3)
            events.append(Self.event("e\(index)", world: "w\(index % 3)", sequence: sequence, at: Int64(index * 7 % 11)))
        }
        let whole = StoryFold.fold(events, worlds: [:], applied: [])
        let first = StoryFold.fold(Array(events[..<9]), worlds: [:], applied: [])
        var merged: [String: WorldSummary] = [:]
        for world in first.worlds { merged[world.worldID] = world }
        let firstIDs = Set(first.newEvents.map { $0.event.meta.eventID })
        let second = StoryFold.fold(Array(events[9...]), worlds: merged, applied: firstIDs)
        for world in second.worlds { merged[world.worldID] = world }
        var expected: [String: WorldSummary] = [:]
        for world in whole.worlds { expected[world.worldID] = world }
        #expect(merged == expected)
        #expect(first.breaks + second.breaks == whole.breaks)
    }
}

/// Sequences and counts at Int64's limit (issue 13): the fold counts the break, it never traps the committer.
@Suite struct StoryFoldLimitTests {
    static let top = Int64.max

    static func world(lastSequence: Int64, eventCount: Int64 = 1, gapCount: Int64 = 0) -> [String: WorldSummary] {
        ["w": WorldSummary(worldID: "w", eventCount: eventCount, firstEventAt: 0, lastEventAt: 0,
                           lastSequence: lastSequence, gapCount: gapCount)]
    }

    @Test func anEventAfterTheLargestSequenceIsARegressionNotATrap() {
        let changes = StoryFold.fold([StoryFoldTests.event("late", sequence: 5)], worlds: Self.world(lastSequence: Self.top), applied: [])
        #expect(changes.breaks.map(\.kind) == [.regression])
        #expect(changes.breaks.first?.expectedSequence == Self.top, "the next expected sequence saturates")
        #expect(changes.breaks.first?.actualSequence == 5)
        #expect(changes.worlds.first?.lastSequence == Self.top)
        #expect(changes.worlds.first?.gapCount == 1)
    }

    @Test func theLargestSequenceTwiceInOneBatchIsARegression() {
        let events = [StoryFoldTests.event("a", sequence: UInt64(Self.top)), StoryFoldTests.event("b", sequence: UInt64(Self.top))]
        let changes = StoryFold.fold(events, worlds: [:], applied: [])
        #expect(changes.breaks.map { "\($0.kind.rawValue) \($0.eventID)" } == ["gap a", "regression b"])
        #expect(changes.worlds.first?.lastSequence == Self.top)
    }

    @Test func countsStoredAtTheLargestValueSaturate() {
        let changes = StoryFold.fold([StoryFoldTests.event("a", sequence: 9)],
                                     worlds: Self.world(lastSequence: 1, eventCount: Self.top, gapCount: Self.top), applied: [])
        #expect(changes.worlds.first?.eventCount == Self.top)
        #expect(changes.worlds.first?.gapCount == Self.top)
    }
}

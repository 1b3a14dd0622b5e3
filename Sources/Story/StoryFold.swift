import AnnalsEvents
import Projection

/// A world's summary row in `story.worlds`. Times are microseconds since the epoch (event time).
public struct WorldSummary: Equatable, Sendable {
    public var worldID: String
    public var eventCount: Int64
    public var firstEventAt: Int64
    public var lastEventAt: Int64
    public var lastSequence: Int64
    public var gapCount: Int64

    public init(worldID: String, eventCount: Int64, firstEventAt: Int64, lastEventAt: Int64, lastSequence: Int64, gapCount: Int64) {
        self.worldID = worldID
        self.eventCount = eventCount
        self.firstEventAt = firstEventAt
        self.lastEventAt = lastEventAt
        self.lastSequence = lastSequence
        self.gapCount = gapCount
    }
}

/// A break in a world's sequence: a gap (events missing) or a regression (a sequence at or below the last one).
public struct SequenceBreak: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case gap
        case regression
    }

    public var worldID: String
    public var eventID: String
    public var kind: Kind
    public var expectedSequence: Int64
    public var actualSequence: Int64
    public var occurredAt: Int64
    public var coordinates: EventCoordinates
}

/// The rows a batch adds.
public struct StoryChanges: Equatable, Sendable {
    /// Events not applied before, in batch order.
    public var newEvents: [(event: StoryEvent, coordinates: EventCoordinates)]
    /// Final summary of every world the batch touched.
    public var worlds: [WorldSummary]
    public var breaks: [SequenceBreak]

    public static func == (lhs: StoryChanges, rhs: StoryChanges) -> Bool {
        lhs.newEvents.map(\.event) == rhs.newEvents.map(\.event)
            && lhs.newEvents.map(\.coordinates) == rhs.newEvents.map(\.coordinates)
            && lhs.worlds == rhs.worlds && lhs.breaks == rhs.breaks
    }
}

/// Folds story events into world summaries and sequence breaks; pure and deterministic.
public enum StoryFold {
    /// Applies `events` (each world's events in offset order) on top of the stored `worlds`,
    /// skipping events whose id was applied before or earlier in the batch.
    public static func fold(_ events: [(event: StoryEvent, coordinates: EventCoordinates)],
                            worlds stored: [String: WorldSummary], applied: Set<String>) -> StoryChanges {
        var worlds = stored
        var seen = applied
        var touched: [String] = []
        var touchedSet: Set<String> = []
        var changes = StoryChanges(newEvents: [], worlds: [], breaks: [])
        for (event, coordinates) in events {
            guard seen.insert(event.meta.eventID).inserted else { continue }
            changes.newEvents.append((event, coordinates))
            if touchedSet.insert(event.worldID).inserted { touched.append(event.worldID) }
            let time = event.meta.occurredAt.microsecondsSinceEpoch
            let sequence = Int64(clamping: event.sequence)
            var world = worlds[event.worldID]
                ?? WorldSummary(worldID: event.worldID, eventCount: 0, firstEventAt: time, lastEventAt: time,
                                lastSequence: 0, gapCount: 0)
            world.eventCount = world.eventCount.saturatingAdding(1)
            world.firstEventAt = min(world.firstEventAt, time)
            world.lastEventAt = max(world.lastEventAt, time)
            // After Int64.max no sequence can follow: the expected one stays there and whatever comes is a regression.
            let (next, pastTheEnd) = world.lastSequence.addingReportingOverflow(1)
            let expected = pastTheEnd ? Int64.max : next
            if pastTheEnd || sequence != expected {
                changes.breaks.append(SequenceBreak(
                    worldID: event.worldID, eventID: event.meta.eventID,
                    kind: sequence > expected ? .gap : .regression,
                    expectedSequence: expected, actualSequence: sequence, occurredAt: time, coordinates: coordinates))
                world.gapCount = world.gapCount.saturatingAdding(1)
            }
            world.lastSequence = max(world.lastSequence, sequence)
            worlds[event.worldID] = world
        }
        changes.worlds = touched.compactMap { worlds[$0] }
        return changes
    }
}

import Projection

/// The event that caused a concept or relationship change, and where it sits in event time.
///
/// Changes are ordered by event time, then event id (bytewise), never by arrival: documents and story
/// events arrive on different partitions in an order that differs between a live run and a replay,
/// so only an order taken from the events themselves gives the same tables both times.
public struct ChangeCause: Sendable, Hashable, Comparable {
    /// What kind of event it was.
    public enum Source: Sendable, Hashable {
        case document(id: String, version: Int64)
        case story(sequence: Int64)
    }

    public var eventID: String
    public var occurredAtMicroseconds: Int64
    public var source: Source
    public var coordinates: EventCoordinates

    public init(eventID: String, occurredAtMicroseconds: Int64, source: Source, coordinates: EventCoordinates) {
        self.eventID = eventID
        self.occurredAtMicroseconds = occurredAtMicroseconds
        self.source = source
        self.coordinates = coordinates
    }

    /// Event time, then event id compared byte by byte (as PostgreSQL's `COLLATE "C"` does).
    public static func < (lhs: ChangeCause, rhs: ChangeCause) -> Bool {
        if lhs.occurredAtMicroseconds != rhs.occurredAtMicroseconds {
            return lhs.occurredAtMicroseconds < rhs.occurredAtMicroseconds
        }
        return lhs.eventID.utf8.lexicographicallyPrecedes(rhs.eventID.utf8)
    }
}

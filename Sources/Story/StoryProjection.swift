import AnnalsEvents
import Postgres
import Projection

/// `story-event` → `story.events`, `story.worlds`, `story.sequence_gaps`.
public struct StoryProjection: Projection {
    public let name = "story"
    public let version = 1
    public let topics: [AnnalsTopic] = [.storyEvent]
    public let schema: String
    public let tables = ["events", "worlds", "sequence_gaps"]

    public init(schema: String = "story") {
        self.schema = schema
    }

    public func migrations(schema: String) -> [String] {
        StorySQL.migrations(schema: quoteIdentifier(schema))
    }

    /// Encodes the event's `story.events` row ahead of its transaction.
    public func prepare(_ projected: ProjectedEvent) -> (any Sendable)? {
        guard case .storyEvent(let event) = projected.event else { return nil }
        return try? StorySQL.eventRow(event, at: projected.coordinates)
    }

    public func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
        var storyEvents: [(event: StoryEvent, coordinates: EventCoordinates)] = []
        var preparedRows: [EventCoordinates: StorySQL.Row] = [:]
        storyEvents.reserveCapacity(events.count)
        for projected in events {
            guard case .storyEvent(let event) = projected.event else { continue }
            storyEvents.append((event, projected.coordinates))
            if let row = projected.prepared as? StorySQL.Row { preparedRows[projected.coordinates] = row }
        }
        guard !storyEvents.isEmpty else { return }
        let sql = StorySQL(schema: quoteIdentifier(schema))
        let worlds = try sql.worlds(Array(Set(storyEvents.map(\.event.worldID))), connection: connection)
        // Almost every batch holds only new events: write it as such, and let the unique event_id prove it.
        // Only when an event turns out to be applied already, look up which, and write the batch without them.
        try connection.execute("SAVEPOINT story_batch")
        do {
            try sql.write(StoryFold.fold(storyEvents, worlds: worlds, applied: []), preparedRows: preparedRows, connection: connection)
            try connection.execute("RELEASE SAVEPOINT story_batch")
        } catch let error as PostgresError where error.isUniqueViolation {
            try connection.execute("ROLLBACK TO SAVEPOINT story_batch")
            let applied = try sql.existingEventIDs(storyEvents.map(\.event.meta.eventID), connection: connection)
            try sql.write(StoryFold.fold(storyEvents, worlds: worlds, applied: applied), preparedRows: preparedRows, connection: connection)
        }
    }
}

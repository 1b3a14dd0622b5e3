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

    public func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
        let storyEvents = events.compactMap { projected -> (event: StoryEvent, coordinates: EventCoordinates)? in
            guard case .storyEvent(let event) = projected.event else { return nil }
            return (event, projected.coordinates)
        }
        guard !storyEvents.isEmpty else { return }
        let sql = StorySQL(schema: quoteIdentifier(schema))
        let applied = try sql.existingEventIDs(storyEvents.map(\.event.meta.eventID), connection: connection)
        let worlds = try sql.worlds(Array(Set(storyEvents.map(\.event.worldID))), connection: connection)
        let changes = StoryFold.fold(storyEvents, worlds: worlds, applied: applied)
        try sql.write(changes, connection: connection)
    }
}

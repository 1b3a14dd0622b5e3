import Foundation
import Postgres
import Projection

/// One event of a world's story as readers see it.
public struct StoryEventRecord: Codable, Sendable, Equatable {
    public var eventID: String
    public var sequence: Int64
    public var kind: String
    public var actors: [String]
    public var summary: String
    /// The event's structured payload.
    public var payload: JSONValue
    /// Event time, RFC 3339 in UTC with microseconds.
    public var occurredAt: String
    public var producer: String
}

/// A page of a world's story, oldest first.
public struct StoryHistoryPage: Codable, Sendable, Equatable {
    public var worldID: String
    public var events: [StoryEventRecord]
    /// Pass as `after` for the next page; nil when this page reached the end.
    public var nextAfter: Int64?
}

/// Reads `story.events` a page at a time, by sequence.
public struct StoryHistory: Sendable {
    /// Most events one page may ask for.
    public static let limitRange = 1...500

    private let schema: String

    /// Reads the tables in `schema` (unquoted).
    public init(schema: String = "story") {
        self.schema = quoteIdentifier(schema)
    }

    /// The world's events with a sequence above `after`, at most `limit` sequences' worth, by sequence then event
    /// id. Events sharing a sequence (a producer's regression) always land on the same page, so paging by sequence
    /// never skips one. Blocking.
    public func page(world worldID: String, after: Int64, limit: Int, connection: PostgresConnection) throws -> StoryHistoryPage {
        let result = try connection.execute(
            """
            WITH bound AS (
                SELECT max(sequence) AS last FROM (
                    SELECT sequence FROM \(schema).events WHERE world_id = $1 AND sequence > $2
                    ORDER BY sequence LIMIT $3
                ) page
            )
            SELECT event_id, sequence, kind, to_json(actors)::text AS actors, summary, payload::text AS payload,
                \(rfc3339UTC("occurred_at")) AS occurred_at, producer,
                EXISTS (SELECT FROM \(schema).events later, bound
                        WHERE later.world_id = $1 AND later.sequence > bound.last) AS more
            FROM \(schema).events, bound
            WHERE world_id = $1 AND sequence > $2 AND sequence <= bound.last
            ORDER BY sequence, event_id COLLATE "C"
            """,
            [PostgresValue(worldID), .int(after), .int(limit)])
        let decoder = JSONDecoder()
        let events = try result.rows.map { row in
            StoryEventRecord(
                eventID: try row.string("event_id"), sequence: try row.int64("sequence"), kind: try row.string("kind"),
                actors: try decoder.decode([String].self, from: Data(try row.string("actors").utf8)), summary: try row.string("summary"),
                payload: try decoder.decode(JSONValue.self, from: Data(try row.string("payload").utf8)), occurredAt: try row.string("occurred_at"),
                producer: try row.string("producer"))
        }
        let more = try result.rows.first?.bool("more") ?? false
        return StoryHistoryPage(worldID: worldID, events: events, nextAfter: more ? events.last?.sequence : nil)
    }
}

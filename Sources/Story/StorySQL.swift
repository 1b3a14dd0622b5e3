import AnnalsEvents
import Postgres
import Projection

/// Every SQL statement of the story projection.
struct StorySQL {
    /// Quoted schema name.
    let schema: String

    static func migrations(schema s: String) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(s).events (
                event_id text PRIMARY KEY,
                world_id text NOT NULL,
                sequence bigint NOT NULL,
                kind text NOT NULL,
                actors text[] NOT NULL,
                summary text NOT NULL,
                payload jsonb NOT NULL,
                occurred_at timestamptz NOT NULL,
                producer text NOT NULL,
                trace_id text NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS events_world_sequence ON \(s).events (world_id, sequence)",
            """
            CREATE TABLE IF NOT EXISTS \(s).worlds (
                world_id text PRIMARY KEY,
                event_count bigint NOT NULL,
                first_event_at timestamptz NOT NULL,
                last_event_at timestamptz NOT NULL,
                last_sequence bigint NOT NULL,
                gap_count bigint NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(s).sequence_gaps (
                event_id text PRIMARY KEY,
                world_id text NOT NULL,
                kind text NOT NULL CHECK (kind IN ('gap', 'regression')),
                expected_sequence bigint NOT NULL,
                actual_sequence bigint NOT NULL,
                occurred_at timestamptz NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL
            )
            """,
        ]
    }

    func existingEventIDs(_ ids: [String], connection: PostgresConnection) throws -> Set<String> {
        let result = try connection.execute(
            "SELECT event_id FROM \(schema).events WHERE event_id = ANY($1::text[])", [.textArray(ids)])
        return Set(try result.rows.map { try $0.string("event_id") })
    }

    func worlds(_ ids: [String], connection: PostgresConnection) throws -> [String: WorldSummary] {
        let result = try connection.execute(
            """
            SELECT world_id, event_count, last_sequence, gap_count,
                   (extract(epoch FROM first_event_at) * 1000000)::bigint AS first_us,
                   (extract(epoch FROM last_event_at) * 1000000)::bigint AS last_us
            FROM \(schema).worlds WHERE world_id = ANY($1::text[])
            """,
            [.textArray(ids)])
        var worlds: [String: WorldSummary] = [:]
        for row in result.rows {
            let world = WorldSummary(
                worldID: try row.string("world_id"), eventCount: try row.int64("event_count"),
                firstEventAt: try row.int64("first_us"), lastEventAt: try row.int64("last_us"),
                lastSequence: try row.int64("last_sequence"), gapCount: try row.int64("gap_count"))
            worlds[world.worldID] = world
        }
        return worlds
    }

    /// A `story.events` row in COPY column order.
    struct Row: Sendable {
        var values: [PostgresValue?]
    }

    /// The `story.events` row of one event; throws when its payload cannot be written as JSON.
    static func eventRow(_ event: StoryEvent, at coordinates: EventCoordinates) throws -> Row {
        Row(values: [
            PostgresValue(event.meta.eventID), PostgresValue(event.worldID), .int(event.sequence),
            PostgresValue(event.kind), .textArray(event.actors), PostgresValue(event.summary),
            PostgresValue(try event.payload.jsonString()),
            .timestamp(microsecondsSinceEpoch: event.meta.occurredAt.microsecondsSinceEpoch),
            PostgresValue(event.meta.producer), PostgresValue(event.meta.traceID),
            PostgresValue(coordinates.topic), .int(coordinates.partition), .int(coordinates.offset),
        ])
    }

    /// Writes the batch's rows, using rows prepared ahead where there are some.
    func write(_ changes: StoryChanges, preparedRows: [EventCoordinates: Row], connection: PostgresConnection) throws {
        // Every row exists before the COPY starts, so an unencodable payload never leaves a partial COPY.
        let rows = try changes.newEvents.map { event, at in try preparedRows[at] ?? Self.eventRow(event, at: at) }
        try connection.copy(
            into: """
            COPY \(schema).events (event_id, world_id, sequence, kind, actors, summary, payload, occurred_at,
                                   producer, trace_id, topic, partition, "offset") FROM STDIN
            """,
            rows: rows.lazy.map(\.values))
        if !changes.breaks.isEmpty {
            try connection.copy(
                into: """
                COPY \(schema).sequence_gaps (event_id, world_id, kind, expected_sequence, actual_sequence, occurred_at,
                                              topic, partition, "offset") FROM STDIN
                """,
                rows: changes.breaks.map { gap in
                    [
                        PostgresValue(gap.eventID), PostgresValue(gap.worldID), PostgresValue(gap.kind.rawValue),
                        .int(gap.expectedSequence), .int(gap.actualSequence),
                        .timestamp(microsecondsSinceEpoch: gap.occurredAt),
                        PostgresValue(gap.coordinates.topic), .int(gap.coordinates.partition), .int(gap.coordinates.offset),
                    ]
                })
        }
        let worlds = changes.worlds
        try connection.execute(
            """
            INSERT INTO \(schema).worlds (world_id, event_count, first_event_at, last_event_at, last_sequence, gap_count)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::bigint[])
            ON CONFLICT (world_id) DO UPDATE SET
                event_count = EXCLUDED.event_count, first_event_at = EXCLUDED.first_event_at,
                last_event_at = EXCLUDED.last_event_at, last_sequence = EXCLUDED.last_sequence,
                gap_count = EXCLUDED.gap_count
            """,
            [
                .textArray(worlds.map(\.worldID)), .int64Array(worlds.map(\.eventCount)),
                .textArray(worlds.map { PostgresValue.timestamp(microsecondsSinceEpoch: $0.firstEventAt).text }),
                .textArray(worlds.map { PostgresValue.timestamp(microsecondsSinceEpoch: $0.lastEventAt).text }),
                .int64Array(worlds.map(\.lastSequence)), .int64Array(worlds.map(\.gapCount)),
            ])
    }
}

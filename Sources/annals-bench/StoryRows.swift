import AnnalsEvents
import Postgres
import Projection
import Story

/// The story tables' rows exactly as `StoryProjection` writes them (same columns, same text forms),
/// for the COPY limit and the row-at-a-time baseline.
enum StoryRows {
    static func copyEvents(_ schema: String) -> String {
        """
        COPY \(quoteIdentifier(schema)).events (event_id, world_id, sequence, kind, actors, summary, payload, occurred_at,
                               producer, trace_id, topic, partition, "offset") FROM STDIN
        """
    }

    static func copyGaps(_ schema: String) -> String {
        """
        COPY \(quoteIdentifier(schema)).sequence_gaps (event_id, world_id, kind, expected_sequence, actual_sequence,
                                      occurred_at, topic, partition, "offset") FROM STDIN
        """
    }

    static func copyWorlds(_ schema: String) -> String {
        """
        COPY \(quoteIdentifier(schema)).worlds (world_id, event_count, first_event_at, last_event_at, last_sequence,
                               gap_count) FROM STDIN
        """
    }

    static func event(_ event: StoryEvent, _ at: EventCoordinates) throws -> [PostgresValue?] {
        [
            PostgresValue(event.meta.eventID), PostgresValue(event.worldID), .int(event.sequence),
            PostgresValue(event.kind), .textArray(event.actors), PostgresValue(event.summary),
            PostgresValue(try event.payload.jsonString()),
            .timestamp(microsecondsSinceEpoch: event.meta.occurredAt.microsecondsSinceEpoch),
            PostgresValue(event.meta.producer), PostgresValue(event.meta.traceID),
            PostgresValue(at.topic), .int(at.partition), .int(at.offset),
        ]
    }

    static func gap(_ gap: SequenceBreak) -> [PostgresValue?] {
        [
            PostgresValue(gap.eventID), PostgresValue(gap.worldID), PostgresValue(gap.kind.rawValue),
            .int(gap.expectedSequence), .int(gap.actualSequence),
            .timestamp(microsecondsSinceEpoch: gap.occurredAt),
            PostgresValue(gap.coordinates.topic), .int(gap.coordinates.partition), .int(gap.coordinates.offset),
        ]
    }

    static func world(_ world: WorldSummary) -> [PostgresValue?] {
        [
            PostgresValue(world.worldID), .int(world.eventCount),
            .timestamp(microsecondsSinceEpoch: world.firstEventAt), .timestamp(microsecondsSinceEpoch: world.lastEventAt),
            .int(world.lastSequence), .int(world.gapCount),
        ]
    }

    /// Drops and recreates `schema` with the story tables, empty.
    static func recreate(_ schema: String, connection: PostgresConnection) throws {
        try connection.transaction { tx in
            try tx.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema)) CASCADE")
            try tx.execute("CREATE SCHEMA \(quoteIdentifier(schema))")
            for statement in StoryProjection(schema: schema).migrations(schema: schema) {
                try tx.execute(statement)
            }
        }
    }
}

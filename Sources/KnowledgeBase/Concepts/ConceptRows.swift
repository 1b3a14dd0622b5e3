import Foundation
import Postgres
import Projection

/// Reads `concept_versions` rows back into `ConceptChange` values.
enum ConceptRows {
    /// The stored changes matching `condition` (SQL over `concept_versions` columns), in event-time order.
    static func changes(schema: String, where condition: String, _ parameters: [PostgresValue?],
                        connection: PostgresConnection) throws -> [ConceptChange] {
        let result = try connection.execute(
            """
            SELECT world_id, concept_id, name, kind, description, attributes::text AS attributes, event_id,
                (extract(epoch FROM occurred_at) * 1000000)::bigint AS occurred_us, source, document_id,
                document_version, story_sequence, topic, partition, "offset"
            FROM \(schema).concept_versions WHERE \(condition)
            ORDER BY occurred_at, event_id COLLATE "C"
            """,
            parameters)
        return try result.rows.map { row in
            let source: ChangeCause.Source = try row.string("source") == "document"
                ? .document(id: try row.string("document_id"), version: try row.int64("document_version"))
                : .story(sequence: try row.int64("story_sequence"))
            let cause = ChangeCause(
                eventID: try row.string("event_id"), occurredAtMicroseconds: try row.int64("occurred_us"), source: source,
                coordinates: EventCoordinates(topic: try row.string("topic"), partition: Int32(try row.int("partition")),
                                              offset: try row.int64("offset")))
            return ConceptChange(
                worldID: try row.string("world_id"), conceptID: try row.string("concept_id"), name: try row.string("name"),
                kind: try row.string("kind"), description: try row.string("description"),
                attributes: try JSONDecoder().decode([String: String].self, from: Data(try row.string("attributes").utf8)),
                cause: cause)
        }
    }
}

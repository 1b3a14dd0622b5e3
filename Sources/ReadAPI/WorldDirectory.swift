import Postgres
import Projection

/// A world the projections know of, from its documents and its story.
public struct WorldOverview: Codable, Sendable, Equatable {
    public var worldID: String
    /// Documents of this world (global documents not counted).
    public var documents: Int64
    /// Story events recorded for it.
    public var storyEvents: Int64
    /// Its newest story sequence; nil without story events.
    public var lastSequence: Int64?
}

/// Lists the worlds across the knowledge base and story tables (the read side's only query spanning two
/// projections; each side may be missing).
struct WorldDirectory: Sendable {
    var knowledgeBaseSchema: String
    var storySchema: String

    /// Every world, by id. Blocking.
    func worlds(connection: PostgresConnection) throws -> [WorldOverview] {
        let present = try connection.execute(
            "SELECT to_regclass($1) IS NOT NULL AS kb, to_regclass($2) IS NOT NULL AS story",
            [PostgresValue(quoteIdentifier(knowledgeBaseSchema) + ".documents"), PostgresValue(quoteIdentifier(storySchema) + ".worlds")])
        let hasKB = try present.rows.first?.bool("kb") ?? false
        let hasStory = try present.rows.first?.bool("story") ?? false
        guard hasKB || hasStory else { return [] }
        let documents = hasKB
            ? "SELECT world_id, count(*) AS documents FROM \(quoteIdentifier(knowledgeBaseSchema)).documents WHERE world_id IS NOT NULL GROUP BY world_id"
            : "SELECT NULL::text AS world_id, 0::bigint AS documents WHERE false"
        let story = hasStory
            ? "SELECT world_id, event_count, last_sequence FROM \(quoteIdentifier(storySchema)).worlds"
            : "SELECT NULL::text AS world_id, 0::bigint AS event_count, NULL::bigint AS last_sequence WHERE false"
        return try connection.execute(
            """
            SELECT * FROM (
                SELECT coalesce(d.world_id, s.world_id) AS world_id, coalesce(d.documents, 0) AS documents,
                    coalesce(s.event_count, 0) AS story_events, s.last_sequence
                FROM (\(documents)) d FULL JOIN (\(story)) s ON d.world_id = s.world_id
            ) worlds ORDER BY world_id COLLATE "C"
            """
        ).rows.map { row in
            WorldOverview(worldID: try row.string("world_id"), documents: try row.int64("documents"),
                         storyEvents: try row.int64("story_events"),
                         lastSequence: row.isNull("last_sequence") ? nil : try row.int64("last_sequence"))
        }
    }
}

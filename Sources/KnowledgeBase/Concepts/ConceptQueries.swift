import Postgres
import Projection

/// Reading concepts as one world sees them: its own changes over the global ones.
public struct ConceptQueries: Sendable {
    /// A concept as a world sees it, with every change that made it, oldest first.
    public struct History: Sendable {
        public var conceptID: String
        public var worldID: String
        public var current: ConceptState
        /// Global and this world's changes, in event-time order.
        public var changes: [ConceptChange]
    }

    /// A concept's effective name and kind in a world.
    public struct Summary: Sendable, Hashable, Codable {
        public var conceptID: String
        public var name: String
        public var kind: String
    }

    private let schema: String

    /// Queries the tables in `schema` (unquoted).
    public init(schema: String = "kb") {
        self.schema = quoteIdentifier(schema)
    }

    /// The concept's history in `worldID` (global changes included); nil when neither has it.
    public func history(of conceptID: String, world worldID: String, connection: PostgresConnection) throws -> History? {
        let changes = try ConceptRows.changes(
            schema: schema, where: "world_id IN ('', $1) AND concept_id = $2",
            [PostgresValue(worldID), PostgresValue(conceptID)], connection: connection)
        guard !changes.isEmpty else { return nil }
        return History(conceptID: conceptID, worldID: worldID, current: .folding(changes), changes: changes)
    }

    /// Concepts within `depth` hops of `conceptID` in `worldID`, nearest first. A world's edge (or its
    /// removal) overrides the global edge with the same ends and kind.
    public func related(to conceptID: String, world worldID: String, depth: Int,
                        connection: PostgresConnection) throws -> [RelatedConcept] {
        try ConceptGraph.walk(from: conceptID, depth: depth) { frontier in
            let result = try connection.execute(
                """
                SELECT * FROM (
                    SELECT DISTINCT ON (from_concept_id, to_concept_id, kind)
                        world_id, from_concept_id, to_concept_id, kind, weight, present
                    FROM \(schema).relationships
                    WHERE world_id IN ('', $1) AND (from_concept_id = ANY($2::text[]) OR to_concept_id = ANY($2::text[]))
                    ORDER BY from_concept_id, to_concept_id, kind, world_id = ''
                ) effective WHERE present
                """,
                [PostgresValue(worldID), .textArray(frontier)])
            return try result.rows.map {
                let world = try $0.string("world_id")
                return ConceptEdge(fromConceptID: try $0.string("from_concept_id"), toConceptID: try $0.string("to_concept_id"),
                                   kind: try $0.string("kind"), weight: try $0.double("weight"),
                                   worldID: world.isEmpty ? nil : world)
            }
        }
    }

    /// Names and kinds of the given concepts in `worldID` (a world's non-empty name or kind wins over the global one).
    public func summaries(of conceptIDs: [String], world worldID: String,
                          connection: PostgresConnection) throws -> [String: Summary] {
        let result = try connection.execute(
            """
            SELECT concept_id, name, kind FROM \(schema).concepts
            WHERE world_id IN ('', $1) AND concept_id = ANY($2::text[])
            ORDER BY concept_id, world_id = '' DESC
            """,
            [PostgresValue(worldID), .textArray(conceptIDs)])
        var summaries: [String: Summary] = [:]
        // Global rows come first, so a world's non-empty fields overwrite them.
        for row in result.rows {
            let id = try row.string("concept_id")
            var summary = summaries[id] ?? Summary(conceptID: id, name: "", kind: "")
            if let name = row.optionalString("name"), !name.isEmpty { summary.name = name }
            if let kind = row.optionalString("kind"), !kind.isEmpty { summary.kind = kind }
            summaries[id] = summary
        }
        return summaries
    }
}

import AnnalsEvents
import Postgres
import Projection

/// `scale-decision` → `scaling.decisions` (every decision once, by decision id, with the inputs it was decided on)
/// and `scaling.capacity` (per tier, the desired capacity of its newest decision). Both are a pure function of the
/// topic: what was actually done to the outside world lives apart, in `scaling_actuation`, so a replay never
/// re-actuates anything.
public struct ScalingProjection: Projection {
    public let name = "scaling"
    public let version = 1
    public let topics: [AnnalsTopic] = [.scaleDecision]
    public let schema: String
    public let tables = ["decisions", "capacity"]
    /// Where actuation records what it did (``ActuationSQL``), kept across replays.
    public let actuationSchema: String
    public var auxiliarySchemas: [String] { [actuationSchema] }

    public init(schema: String = "scaling", actuationSchema: String = ActuationSQL.defaultSchema) {
        self.schema = schema
        self.actuationSchema = actuationSchema
    }

    public func migrations(schema: String) -> [String] {
        ScalingSQL.migrations(schema: quoteIdentifier(schema))
    }

    public func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
        let decisions: [(decision: ScaleDecision, coordinates: EventCoordinates)] = events.compactMap { projected in
            guard case .scaleDecision(let decision) = projected.event else { return nil }
            return (decision, projected.coordinates)
        }
        guard !decisions.isEmpty else { return }
        let sql = ScalingSQL(schema: quoteIdentifier(schema))
        let known = try sql.knownDecisionIDs(decisions.map(\.decision.decisionID), connection: connection)
        let capacity = try sql.capacity(tiers: Array(Set(decisions.map(\.decision.tier.name))), connection: connection)
        try sql.write(ScalingFold.fold(decisions, capacity: capacity, known: known), connection: connection)
    }

    /// Every tier's current capacity row, ordered by tier (empty before the tables exist).
    public func capacity(schema: String? = nil, connection: PostgresConnection) throws -> [TierCapacity] {
        let schema = schema ?? self.schema
        let exists = try connection.execute(
            "SELECT to_regclass($1) IS NOT NULL AS present", [PostgresValue(quoteIdentifier(schema) + ".capacity")])
        guard try exists.rows.first?.bool("present") == true else { return [] }
        return try ScalingSQL(schema: quoteIdentifier(schema)).allCapacity(connection: connection)
    }
}

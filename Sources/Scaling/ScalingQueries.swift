import Postgres
import Projection

/// A tier's desired capacity, from its newest decision.
public struct TierCapacityReport: Codable, Sendable, Equatable {
    public var tier: String
    public var desiredCapacity: Int64
    public var desiredSpot: Int64
    public var desiredOnDemand: Int64
    /// The capacity the decision was taken from.
    public var currentCapacity: Int64
    public var reason: String
    public var policyVersion: String
    public var decisionID: String
    /// ISO 8601 in UTC with microseconds.
    public var decidedAt: String
}

/// One scale decision, with the rollup it was decided on.
public struct ScaleDecisionReport: Codable, Sendable, Equatable {
    public var decisionID: String
    public var tier: String
    public var currentCapacity: Int64
    public var desiredCapacity: Int64
    public var desiredSpot: Int64
    public var desiredOnDemand: Int64
    public var reason: String
    public var policyVersion: String
    /// ISO 8601 in UTC with microseconds.
    public var decidedAt: String
    /// true when a newer decision for the tier arrived first: it never set the capacity.
    public var superseded: Bool
    public var samples: Int64?
    public var meanGPUUtilization: Double?
    public var queueDepth: UInt64?
    public var latencyP95Seconds: Double?
    public var activePlayers: UInt64?
}

/// Reads `scaling.capacity` and `scaling.decisions`.
/// A capacity a decision set: its tier, when, and how many spot and on-demand instances.
public struct CapacitySetting: Sendable, Equatable {
    public var tier: String
    /// Seconds since 1970.
    public var decidedAt: Double
    public var spot: Int64
    public var onDemand: Int64

    public init(tier: String, decidedAt: Double, spot: Int64, onDemand: Int64) {
        self.tier = tier
        self.decidedAt = decidedAt
        self.spot = spot
        self.onDemand = onDemand
    }
}

public struct ScalingQueries: Sendable {
    /// Most decisions one request may ask for.
    public static let limitRange = 1...500

    private let schema: String

    /// Reads the tables in `schema` (unquoted).
    public init(schema: String = "scaling") {
        self.schema = quoteIdentifier(schema)
    }

    /// Every tier's desired capacity, by tier name. Blocking.
    public func capacity(connection: PostgresConnection) throws -> [TierCapacityReport] {
        try connection.execute(
            """
            SELECT tier, desired_capacity, desired_spot, desired_on_demand, current_capacity, reason, policy_version,
                decision_id, \(rfc3339UTC("decided_at")) AS decided_at
            FROM \(schema).capacity ORDER BY tier
            """
        ).rows.map { row in
            TierCapacityReport(
                tier: try row.string("tier"), desiredCapacity: try row.int64("desired_capacity"),
                desiredSpot: try row.int64("desired_spot"), desiredOnDemand: try row.int64("desired_on_demand"),
                currentCapacity: try row.int64("current_capacity"), reason: try row.string("reason"),
                policyVersion: try row.string("policy_version"), decisionID: try row.string("decision_id"),
                decidedAt: try row.string("decided_at"))
        }
    }

    /// The capacities decided before `until` (seconds since 1970) from each tier's last decision at or before
    /// `since` on (or from its first, when it has none that early), by tier, then in the order they were decided
    /// (and published). Blocking.
    public func capacityHistory(since: Double, until: Double, connection: PostgresConnection) throws -> [CapacitySetting] {
        try connection.execute(
            """
            SELECT d.tier, extract(epoch FROM d.decided_at)::float8 AS decided_at, d.desired_spot, d.desired_on_demand
            FROM \(schema).decisions d
            WHERE d.decided_at < to_timestamp($2)
              AND d.decided_at >= coalesce((SELECT max(p.decided_at) FROM \(schema).decisions p
                                            WHERE p.tier = d.tier AND p.decided_at <= to_timestamp($1)), '-infinity')
            ORDER BY d.tier, d.decided_at, d.partition, d."offset"
            """,
            [.double(since), .double(until)]
        ).rows.map { row in
            CapacitySetting(tier: try row.string("tier"), decidedAt: try row.double("decided_at"),
                            spot: try row.int64("desired_spot"), onDemand: try row.int64("desired_on_demand"))
        }
    }

    /// The newest `limit` decisions, newest first, of one tier or of all. Blocking.
    public func recentDecisions(tier: String?, limit: Int, connection: PostgresConnection) throws -> [ScaleDecisionReport] {
        try connection.execute(
            """
            SELECT decision_id, tier, current_capacity, desired_capacity, desired_spot, desired_on_demand, reason,
                policy_version, \(rfc3339UTC("decided_at")) AS decided_at, superseded, samples, mean_gpu_utilization,
                queue_depth::text AS queue_depth, latency_p95_seconds, active_players::text AS active_players
            FROM \(schema).decisions
            WHERE $1::text IS NULL OR tier = $1
            ORDER BY decided_at DESC, decision_id COLLATE "C" DESC
            LIMIT $2
            """,
            [tier.map { PostgresValue($0) }, .int(limit)]
        ).rows.map { row in
            ScaleDecisionReport(
                decisionID: try row.string("decision_id"), tier: try row.string("tier"),
                currentCapacity: try row.int64("current_capacity"), desiredCapacity: try row.int64("desired_capacity"),
                desiredSpot: try row.int64("desired_spot"), desiredOnDemand: try row.int64("desired_on_demand"),
                reason: try row.string("reason"), policyVersion: try row.string("policy_version"),
                decidedAt: try row.string("decided_at"), superseded: try row.bool("superseded"),
                samples: row.isNull("samples") ? nil : try row.int64("samples"),
                meanGPUUtilization: row.isNull("mean_gpu_utilization") ? nil : try row.double("mean_gpu_utilization"),
                queueDepth: row.optionalString("queue_depth").flatMap { UInt64($0) },
                latencyP95Seconds: row.isNull("latency_p95_seconds") ? nil : try row.double("latency_p95_seconds"),
                activePlayers: row.optionalString("active_players").flatMap { UInt64($0) })
        }
    }
}

import AnnalsEvents
import Postgres
import Projection

/// Every SQL statement of the scaling projection (`scaling.decisions`, `scaling.capacity`).
struct ScalingSQL {
    /// Quoted schema name.
    let schema: String

    static func migrations(schema s: String) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(s).decisions (
                decision_id text PRIMARY KEY,
                event_id text NOT NULL,
                tier text NOT NULL,
                current_capacity bigint NOT NULL,
                desired_capacity bigint NOT NULL,
                desired_spot bigint NOT NULL,
                desired_on_demand bigint NOT NULL,
                reason text NOT NULL,
                policy_version text NOT NULL,
                decided_at timestamptz NOT NULL,
                window_end timestamptz,
                samples bigint,
                mean_gpu_utilization double precision,
                max_gpu_utilization double precision,
                queue_depth numeric(20, 0),
                latency_p95_seconds double precision,
                active_players numeric(20, 0),
                spot_interruption_notice boolean,
                superseded boolean NOT NULL,
                occurred_at timestamptz NOT NULL,
                producer text NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS decisions_tier_decided ON \(s).decisions (tier, decided_at)",
            """
            CREATE TABLE IF NOT EXISTS \(s).capacity (
                tier text PRIMARY KEY,
                desired_capacity bigint NOT NULL,
                desired_spot bigint NOT NULL,
                desired_on_demand bigint NOT NULL,
                current_capacity bigint NOT NULL,
                reason text NOT NULL,
                policy_version text NOT NULL,
                decision_id text NOT NULL,
                decided_at timestamptz NOT NULL
            )
            """,
        ]
    }

    /// The ids among `ids` already in `decisions`.
    func knownDecisionIDs(_ ids: [String], connection: PostgresConnection) throws -> Set<String> {
        let result = try connection.execute(
            "SELECT decision_id FROM \(schema).decisions WHERE decision_id = ANY($1::text[])", [.textArray(ids)])
        return Set(try result.rows.map { try $0.string("decision_id") })
    }

    /// The capacity rows of `tiers`, by tier.
    func capacity(tiers: [String], connection: PostgresConnection) throws -> [String: TierCapacity] {
        let result = try connection.execute(
            """
            SELECT tier, desired_capacity, desired_spot, desired_on_demand, current_capacity, reason, policy_version,
                   decision_id, (extract(epoch FROM decided_at) * 1000000)::bigint AS decided_us
            FROM \(schema).capacity WHERE tier = ANY($1::text[])
            """,
            [.textArray(tiers)])
        var rows: [String: TierCapacity] = [:]
        for row in result.rows {
            let capacity = try Self.tierCapacity(row)
            rows[capacity.tier] = capacity
        }
        return rows
    }

    /// Every tier's capacity row, ordered by tier.
    func allCapacity(connection: PostgresConnection) throws -> [TierCapacity] {
        let result = try connection.execute(
            """
            SELECT tier, desired_capacity, desired_spot, desired_on_demand, current_capacity, reason, policy_version,
                   decision_id, (extract(epoch FROM decided_at) * 1000000)::bigint AS decided_us
            FROM \(schema).capacity ORDER BY tier
            """)
        return try result.rows.map(Self.tierCapacity)
    }

    private static func tierCapacity(_ row: PostgresRow) throws -> TierCapacity {
        TierCapacity(
            tier: try row.string("tier"),
            stamp: DecisionStamp(decidedAt: try row.int64("decided_us"), decisionID: try row.string("decision_id")),
            desired: try row.int("desired_capacity"), desiredSpot: try row.int("desired_spot"),
            desiredOnDemand: try row.int("desired_on_demand"), current: try row.int("current_capacity"),
            reason: try row.string("reason"), policyVersion: try row.string("policy_version"))
    }

    /// Writes the batch's new decisions and moved capacities.
    func write(_ changes: ScalingChanges, connection: PostgresConnection) throws {
        if !changes.newDecisions.isEmpty {
            try connection.copy(
                into: """
                COPY \(schema).decisions (decision_id, event_id, tier, current_capacity, desired_capacity, desired_spot,
                    desired_on_demand, reason, policy_version, decided_at, window_end, samples, mean_gpu_utilization,
                    max_gpu_utilization, queue_depth, latency_p95_seconds, active_players, spot_interruption_notice,
                    superseded, occurred_at, producer, topic, partition, "offset") FROM STDIN
                """,
                rows: changes.newDecisions.map(Self.decisionRow))
        }
        guard !changes.capacity.isEmpty else { return }
        let rows = changes.capacity
        try connection.execute(
            """
            INSERT INTO \(schema).capacity (tier, desired_capacity, desired_spot, desired_on_demand, current_capacity,
                                            reason, policy_version, decision_id, decided_at)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[],
                                 $7::text[], $8::text[], $9::timestamptz[])
            ON CONFLICT (tier) DO UPDATE SET
                desired_capacity = EXCLUDED.desired_capacity, desired_spot = EXCLUDED.desired_spot,
                desired_on_demand = EXCLUDED.desired_on_demand, current_capacity = EXCLUDED.current_capacity,
                reason = EXCLUDED.reason, policy_version = EXCLUDED.policy_version,
                decision_id = EXCLUDED.decision_id, decided_at = EXCLUDED.decided_at
            """,
            [
                .textArray(rows.map(\.tier)), .int64Array(rows.map { Int64($0.desired) }),
                .int64Array(rows.map { Int64($0.desiredSpot) }), .int64Array(rows.map { Int64($0.desiredOnDemand) }),
                .int64Array(rows.map { Int64($0.current) }), .textArray(rows.map(\.reason)),
                .textArray(rows.map(\.policyVersion)), .textArray(rows.map(\.stamp.decisionID)),
                .textArray(rows.map { PostgresValue.timestamp(microsecondsSinceEpoch: $0.stamp.decidedAt).text }),
            ])
    }

    /// A `scaling.decisions` row in COPY column order.
    private static func decisionRow(_ record: DecisionRecord) -> [PostgresValue?] {
        let decision = record.decision
        let inputs: Annals_V1_DecisionInputs? = decision.hasInputs ? decision.inputs : nil
        return [
            PostgresValue(decision.decisionID), PostgresValue(decision.meta.eventID), PostgresValue(decision.tier.name),
            .int(decision.currentCapacity), .int(decision.desiredCapacity), .int(decision.desiredSpot),
            .int(decision.desiredOnDemand), PostgresValue(decision.reason), PostgresValue(decision.policyVersion),
            .timestamp(microsecondsSinceEpoch: DecisionStamp(decision).decidedAt),
            inputs.flatMap { $0.hasWindowEnd ? .timestamp(microsecondsSinceEpoch: $0.windowEnd.microsecondsSinceEpoch) : nil },
            inputs.map { .int($0.samples) }, inputs.map { .double($0.meanGpuUtilization) },
            inputs.map { .double($0.maxGpuUtilization) }, inputs.map { .int($0.queueDepth) },
            inputs.map { .double($0.latencyP95Seconds) }, inputs.map { .int($0.activePlayers) },
            inputs.map { .bool($0.spotInterruptionNotice) },
            .bool(record.superseded),
            .timestamp(microsecondsSinceEpoch: decision.meta.occurredAt.microsecondsSinceEpoch),
            PostgresValue(decision.meta.producer),
            PostgresValue(record.coordinates.topic), .int(record.coordinates.partition), .int(record.coordinates.offset),
        ]
    }
}

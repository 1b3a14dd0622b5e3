import AnnalsEvents
import AnnalsMetrics
import Foundation
import Postgres
import Projection

/// Every SQL statement of the metrics projection (the outbox's are in ``DecisionOutbox``).
struct MetricsSQL {
    /// Quoted schema name.
    let schema: String

    static func migrations(schema s: String) -> [String] {
        [
            // uint64 fields are numeric(20,0): every value round-trips, so a minute refolded from here is exact. A
            // reading the sample did not carry is NULL, and so is a rollup figure no instance reported.
            """
            CREATE TABLE IF NOT EXISTS \(s).samples (
                event_id text PRIMARY KEY,
                tier text NOT NULL,
                instance_id text NOT NULL,
                sampled_at timestamptz NOT NULL,
                gpu_utilization double precision,
                gpu_memory_utilization double precision,
                queue_depth numeric(20, 0),
                latency_p95_seconds double precision,
                active_players numeric(20, 0),
                spot_interruption_notice boolean NOT NULL,
                occurred_at timestamptz NOT NULL,
                producer text NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS samples_tier_sampled_at ON \(s).samples (tier, sampled_at)",
            """
            CREATE TABLE IF NOT EXISTS \(s).rollups (
                tier text NOT NULL,
                minute timestamptz NOT NULL,
                samples integer NOT NULL,
                instances_reporting integer NOT NULL,
                mean_gpu_utilization double precision,
                max_gpu_utilization double precision,
                mean_gpu_memory_utilization double precision,
                max_gpu_memory_utilization double precision,
                queue_depth numeric(20, 0),
                latency_p95_seconds double precision,
                active_players numeric(20, 0),
                spot_interruption_notice boolean NOT NULL,
                PRIMARY KEY (tier, minute)
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(s).autoscaler_state (
                tier text PRIMARY KEY,
                capacity integer NOT NULL,
                watermark timestamptz,
                policy_version text NOT NULL,
                state jsonb NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(s).decisions (
                decision_id text PRIMARY KEY,
                tier text NOT NULL,
                kind text NOT NULL,
                window_end timestamptz NOT NULL,
                decided_at timestamptz NOT NULL,
                current_capacity integer NOT NULL,
                desired_capacity integer NOT NULL,
                desired_spot integer NOT NULL,
                desired_on_demand integer NOT NULL,
                replacement_spot integer NOT NULL,
                interrupted_instances text[] NOT NULL,
                reason text NOT NULL,
                inputs jsonb NOT NULL,
                policy_version text NOT NULL,
                event bytea NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL,
                ordinal integer NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS decisions_tier_decided_at ON \(s).decisions (tier, decided_at)",
        ]
    }

    // MARK: - Raw samples

    /// Inserts the samples, skipping event ids already stored (and repeats within the batch: the first wins);
    /// returns the ids inserted now.
    func insert(_ samples: [SampleAt], connection: PostgresConnection) throws -> Set<String> {
        let result = try connection.execute(
            """
            INSERT INTO \(schema).samples (event_id, tier, instance_id, sampled_at, gpu_utilization, gpu_memory_utilization,
                                           queue_depth, latency_p95_seconds, active_players, spot_interruption_notice,
                                           occurred_at, producer, topic, partition, "offset")
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::float8[], $6::float8[],
                                 $7::numeric[], $8::float8[], $9::numeric[], $10::boolean[], $11::timestamptz[],
                                 $12::text[], $13::text[], $14::integer[], $15::bigint[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """,
            [
                .textArray(samples.map(\.sample.meta.eventID)),
                .textArray(samples.map(\.sample.tier.name)),
                .textArray(samples.map(\.sample.instanceID)),
                Self.timestamps(samples.map(\.sample.sampledAt.microsecondsSinceEpoch)),
                Self.doubles(samples.map { $0.sample.hasGpuUtilization ? $0.sample.gpuUtilization : nil }),
                Self.doubles(samples.map { $0.sample.hasGpuMemoryUtilization ? $0.sample.gpuMemoryUtilization : nil }),
                Self.numerics(samples.map { $0.sample.hasQueueDepth ? $0.sample.queueDepth : nil }),
                Self.doubles(samples.map { $0.sample.hasLatencyP95Seconds ? $0.sample.latencyP95Seconds : nil }),
                Self.numerics(samples.map { $0.sample.hasActivePlayers ? $0.sample.activePlayers : nil }),
                Self.booleans(samples.map(\.sample.spotInterruptionNotice)),
                Self.timestamps(samples.map(\.sample.meta.occurredAt.microsecondsSinceEpoch)),
                .textArray(samples.map(\.sample.meta.producer)),
                .textArray(samples.map(\.coordinates.topic)),
                .int64Array(samples.map { Int64($0.coordinates.partition) }),
                .int64Array(samples.map(\.coordinates.offset)),
            ])
        return Set(try result.rows.map { try $0.string("event_id") })
    }

    // MARK: - Rollups

    /// Refolds the given minutes from every stored sample in them, with ``MinuteRollup`` itself, and upserts them:
    /// a late sample updates its minute, and the numbers are the pure fold's to the bit (SQL's `avg` would sum in
    /// another order).
    func refreshRollups(_ keys: Set<MinuteRollups.Key>, connection: PostgresConnection) throws {
        guard !keys.isEmpty else { return }
        let ordered = keys.sorted { ($0.tier.rawValue, $0.minute) < ($1.tier.rawValue, $1.minute) }
        // Shortest exact float output, whatever the session's default: the fold must see the stored bits.
        try connection.execute("SET LOCAL extra_float_digits = 1")
        let result = try connection.execute(
            """
            SELECT s.event_id, s.tier, s.instance_id, (extract(epoch FROM s.sampled_at) * 1000000)::bigint AS sampled_us,
                   s.gpu_utilization, s.gpu_memory_utilization, s.queue_depth, s.latency_p95_seconds, s.active_players,
                   s.spot_interruption_notice
            FROM unnest($1::text[], $2::timestamptz[]) AS k(tier, start)
            JOIN \(schema).samples s ON s.tier = k.tier AND s.sampled_at >= k.start AND s.sampled_at < k.start + interval '1 minute'
            """,
            [.textArray(ordered.map(\.tier.name)), Self.timestamps(ordered.map(\.minute.startMicroseconds))])
        var rollups = MinuteRollups()
        for row in result.rows { rollups.add(try Self.sample(row)) }
        let refolded = ordered.compactMap { rollups[$0.tier, $0.minute] }
        try connection.execute(
            """
            INSERT INTO \(schema).rollups (tier, minute, samples, instances_reporting, mean_gpu_utilization, max_gpu_utilization,
                                           mean_gpu_memory_utilization, max_gpu_memory_utilization, queue_depth,
                                           latency_p95_seconds, active_players, spot_interruption_notice)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::integer[], $4::integer[], $5::float8[], $6::float8[],
                                 $7::float8[], $8::float8[], $9::numeric[], $10::float8[], $11::numeric[], $12::boolean[])
            ON CONFLICT (tier, minute) DO UPDATE SET
                samples = EXCLUDED.samples, instances_reporting = EXCLUDED.instances_reporting,
                mean_gpu_utilization = EXCLUDED.mean_gpu_utilization, max_gpu_utilization = EXCLUDED.max_gpu_utilization,
                mean_gpu_memory_utilization = EXCLUDED.mean_gpu_memory_utilization,
                max_gpu_memory_utilization = EXCLUDED.max_gpu_memory_utilization, queue_depth = EXCLUDED.queue_depth,
                latency_p95_seconds = EXCLUDED.latency_p95_seconds, active_players = EXCLUDED.active_players,
                spot_interruption_notice = EXCLUDED.spot_interruption_notice
            """,
            [
                .textArray(refolded.map(\.tier.name)),
                Self.timestamps(refolded.map(\.minute.startMicroseconds)),
                .int64Array(refolded.map { Int64($0.samples) }),
                .int64Array(refolded.map { Int64($0.instancesReporting) }),
                Self.doubles(refolded.map(\.meanGPUUtilization)),
                Self.doubles(refolded.map(\.maxGPUUtilization)),
                Self.doubles(refolded.map(\.meanGPUMemoryUtilization)),
                Self.doubles(refolded.map(\.maxGPUMemoryUtilization)),
                Self.numerics(refolded.map(\.queueDepth)),
                Self.doubles(refolded.map(\.latencyP95Seconds)),
                Self.numerics(refolded.map(\.activePlayers)),
                Self.booleans(refolded.map(\.spotInterruptionNotice)),
            ])
    }

    /// A stored sample as the fold needs it: the fields a rollup reads.
    private static func sample(_ row: PostgresRow) throws -> MetricSample {
        let tierName = try row.string("tier")
        guard let tier = Tier(name: tierName) else {
            throw MetricsTableError.unknownTier(tierName)
        }
        var sample = MetricSample()
        sample.meta.eventID = try row.string("event_id")
        sample.tier = tier
        sample.instanceID = try row.string("instance_id")
        sample.sampledAt = Minute.timestamp(microseconds: try row.int64("sampled_us"))
        // A NULL reading stays unset, as the sample carried it.
        if !row.isNull("gpu_utilization") { sample.gpuUtilization = try row.double("gpu_utilization") }
        if !row.isNull("gpu_memory_utilization") { sample.gpuMemoryUtilization = try row.double("gpu_memory_utilization") }
        if !row.isNull("queue_depth") { sample.queueDepth = try unsigned(row, "queue_depth") }
        if !row.isNull("latency_p95_seconds") { sample.latencyP95Seconds = try row.double("latency_p95_seconds") }
        if !row.isNull("active_players") { sample.activePlayers = try unsigned(row, "active_players") }
        sample.spotInterruptionNotice = try row.bool("spot_interruption_notice")
        return sample
    }

    private static func unsigned(_ row: PostgresRow, _ column: String) throws -> UInt64 {
        let text = try row.string(column)
        guard let value = UInt64(text) else { throw MetricsTableError.notUnsigned(column: column, value: text) }
        return value
    }

    // MARK: - Autoscaler state

    /// The stored state of each of `tiers` that has one.
    func autoscalerStates(_ tiers: Set<Tier>, connection: PostgresConnection) throws -> [Tier: TierAutoscaler.State] {
        let result = try connection.execute(
            "SELECT tier, state::text AS state FROM \(schema).autoscaler_state WHERE tier = ANY($1::text[])",
            [.textArray(tiers.map(\.name).sorted())])
        var states: [Tier: TierAutoscaler.State] = [:]
        let decoder = JSONDecoder()
        for row in result.rows {
            let name = try row.string("tier")
            guard let tier = Tier(name: name) else { throw MetricsTableError.unknownTier(name) }
            do {
                states[tier] = try decoder.decode(TierAutoscaler.State.self, from: Data(try row.string("state").utf8))
            } catch {
                throw MetricsTableError.unreadableState(tier: name, error: "\(error)")
            }
        }
        return states
    }

    /// Stores each tier's state as of the end of the batch.
    func store(_ states: [Tier: TierAutoscaler.State], policyVersion: String, connection: PostgresConnection) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (tier, state) in states.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let json = String(decoding: try encoder.encode(state), as: UTF8.self)
            try connection.execute(
                """
                INSERT INTO \(schema).autoscaler_state (tier, capacity, watermark, policy_version, state)
                VALUES ($1, $2, $3, $4, $5::jsonb)
                ON CONFLICT (tier) DO UPDATE SET capacity = EXCLUDED.capacity, watermark = EXCLUDED.watermark,
                    policy_version = EXCLUDED.policy_version, state = EXCLUDED.state
                """,
                [
                    PostgresValue(tier.name), .int(state.policy.capacity),
                    state.watermarkMicroseconds.map { .timestamp(microsecondsSinceEpoch: $0) },
                    PostgresValue(policyVersion), PostgresValue(json),
                ])
        }
    }

    // MARK: - Decisions

    /// Records the decisions; one already recorded (same id) is left as it is.
    func insert(_ decisions: [MadeDecision], connection: PostgresConnection) throws {
        for made in decisions {
            let decision = made.decision
            try connection.execute(
                """
                INSERT INTO \(schema).decisions (decision_id, tier, kind, window_end, decided_at, current_capacity,
                    desired_capacity, desired_spot, desired_on_demand, replacement_spot, interrupted_instances, reason,
                    inputs, policy_version, event, topic, partition, "offset", ordinal)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text[], $12, $13::jsonb, $14, $15::bytea, $16, $17, $18, $19)
                ON CONFLICT (decision_id) DO NOTHING
                """,
                [
                    PostgresValue(decision.decisionID), PostgresValue(decision.tier.name), PostgresValue(decision.kind.rawValue),
                    .timestamp(microsecondsSinceEpoch: decision.inputs.windowEnd.microsecondsSinceEpoch),
                    .timestamp(microsecondsSinceEpoch: decision.decidedAt.microsecondsSinceEpoch),
                    .int(decision.currentCapacity), .int(decision.desiredCapacity), .int(decision.split.spot),
                    .int(decision.split.onDemand), .int(decision.replacementSpot), .textArray(decision.interruptedInstances),
                    PostgresValue(decision.reason), PostgresValue(try decision.inputs.jsonString()),
                    PostgresValue(decision.policyVersion), .bytea(made.event),
                    PostgresValue(made.coordinates.topic), .int(made.coordinates.partition), .int(made.coordinates.offset),
                    .int(made.ordinal),
                ])
        }
    }

    // MARK: - Array parameters

    private static func timestamps(_ microseconds: [Int64]) -> PostgresValue {
        .textArray(microseconds.map { PostgresValue.timestamp(microsecondsSinceEpoch: $0).text })
    }

    /// A float8[] literal; each element is Swift's shortest exact form, so the stored bits are the value's.
    /// An array literal of `values`, NULL for nil.
    private static func doubles(_ values: [Double?]) -> PostgresValue {
        PostgresValue("{" + values.map { $0.map { PostgresValue.double($0).text } ?? "NULL" }.joined(separator: ",") + "}")
    }

    /// An array literal of `values` for a numeric[] parameter, NULL for nil.
    private static func numerics(_ values: [UInt64?]) -> PostgresValue {
        PostgresValue("{" + values.map { $0.map { String($0) } ?? "NULL" }.joined(separator: ",") + "}")
    }

    private static func booleans(_ values: [Bool]) -> PostgresValue {
        PostgresValue("{" + values.map { $0 ? "t" : "f" }.joined(separator: ",") + "}")
    }
}

/// A sample and where it was read.
typealias SampleAt = (sample: MetricSample, coordinates: EventCoordinates)

/// Rows of the metrics tables this code cannot read: written by something else, or by a newer version.
enum MetricsTableError: RemediableError {
    case unknownTier(String)
    case notUnsigned(column: String, value: String)
    case unreadableState(tier: String, error: String)

    var description: String {
        switch self {
        case .unknownTier(let name):
            "metrics tables hold tier \(name), which this code does not know"
        case .notUnsigned(let column, let value):
            "metrics.samples.\(column) holds \(value), not an unsigned 64-bit integer"
        case .unreadableState(let tier, let error):
            "the stored autoscaler state of \(tier) cannot be read (\(error))"
        }
    }

    var remedy: Remedy? { .replayInPlace(projection: "metrics") }
}

import AnnalsEvents
import AnnalsMetrics
import Postgres
import Projection

/// A tier's newest closed minute (the newest minute before the one its latest sample is in) from `metrics.rollups`,
/// with the policy's desired capacity and when the tier last sent a sample: what `FleetGauges` exposes for alerting.
public struct FleetMinute: Sendable, Equatable {
    public var tier: String
    /// The minute's start, seconds since 1970.
    public var minute: Double
    /// Instances that reported in the minute: the capacity serving.
    public var instancesReporting: Int
    public var meanGPUUtilization: Double?
    public var maxGPUUtilization: Double?
    public var maxGPUMemoryUtilization: Double?
    public var queueDepth: Double?
    public var latencyP95Seconds: Double?
    public var activePlayers: Double?
    public var spotInterruptionNotice: Bool
    /// The capacity the policy wants now (`metrics.autoscaler_state`); nil before its first pass.
    public var desiredCapacity: Int?
    /// The tier's latest sample's time, seconds since 1970.
    public var lastSampleAt: Double

    public init(tier: String, minute: Double, instancesReporting: Int, meanGPUUtilization: Double?, maxGPUUtilization: Double?,
                maxGPUMemoryUtilization: Double?, queueDepth: Double?, latencyP95Seconds: Double?, activePlayers: Double?,
                spotInterruptionNotice: Bool, desiredCapacity: Int?, lastSampleAt: Double) {
        self.tier = tier
        self.minute = minute
        self.instancesReporting = instancesReporting
        self.meanGPUUtilization = meanGPUUtilization
        self.maxGPUUtilization = maxGPUUtilization
        self.maxGPUMemoryUtilization = maxGPUMemoryUtilization
        self.queueDepth = queueDepth
        self.latencyP95Seconds = latencyP95Seconds
        self.activePlayers = activePlayers
        self.spotInterruptionNotice = spotInterruptionNotice
        self.desiredCapacity = desiredCapacity
        self.lastSampleAt = lastSampleAt
    }

    /// Each tier's newest closed minute; a tier with samples in one minute only has none yet. Blocking.
    public static func read(schema: String = "metrics", connection: PostgresConnection) throws -> [FleetMinute] {
        let s = quoteIdentifier(schema)
        return try connection.execute(
            """
            SELECT r.tier, extract(epoch FROM r.minute)::float8 AS minute, r.instances_reporting, r.mean_gpu_utilization,
                   r.max_gpu_utilization, r.max_gpu_memory_utilization, r.queue_depth::float8 AS queue_depth,
                   r.latency_p95_seconds, r.active_players::float8 AS active_players, r.spot_interruption_notice,
                   a.capacity AS desired_capacity, extract(epoch FROM last.sampled_at)::float8 AS last_sample_at
            FROM unnest($1::text[]) AS t(tier)
            CROSS JOIN LATERAL (SELECT max(sampled_at) AS sampled_at FROM \(s).samples WHERE tier = t.tier) last
            CROSS JOIN LATERAL (SELECT * FROM \(s).rollups r WHERE r.tier = t.tier
                                AND r.minute < date_trunc('minute', last.sampled_at) ORDER BY r.minute DESC LIMIT 1) r
            LEFT JOIN \(s).autoscaler_state a ON a.tier = t.tier
            ORDER BY r.tier
            """,
            [.textArray(Tier.scaled.map(\.name))]
        ).rows.map { row in
            func optional(_ column: String) throws -> Double? { row.isNull(column) ? nil : try row.double(column) }
            return FleetMinute(
                tier: try row.string("tier"), minute: try row.double("minute"),
                instancesReporting: try row.int("instances_reporting"), meanGPUUtilization: try optional("mean_gpu_utilization"),
                maxGPUUtilization: try optional("max_gpu_utilization"),
                maxGPUMemoryUtilization: try optional("max_gpu_memory_utilization"), queueDepth: try optional("queue_depth"),
                latencyP95Seconds: try optional("latency_p95_seconds"), activePlayers: try optional("active_players"),
                spotInterruptionNotice: try row.bool("spot_interruption_notice"),
                desiredCapacity: row.isNull("desired_capacity") ? nil : try row.int("desired_capacity"),
                lastSampleAt: try row.double("last_sample_at"))
        }
    }

    /// The gauges' values at `now` (seconds since 1970), by gauge name; a reading no instance sent is NaN, which
    /// no threshold compares true with. `policy` gives the tier's maximum and the spot share its desired capacity is
    /// priced with, at `prices`, and the queue an instance is meant to hold; a tier the table has no price for costs NaN.
    public func gaugeValues(now: Double, policy: ScalePolicySettings, prices: PriceTable) -> [(name: String, value: Double)] {
        let tier = Tier(name: self.tier)
        let price = tier.flatMap { try? prices.price(of: $0) }
        let costPerHour = desiredCapacity.flatMap { desired in
            price.map { CapacityCost(policy.split(desired), minutes: 60, price: $0).dollars }
        }
        return [
            ("annals_fleet_max_capacity", tier.map { Double(policy[$0].maxInstances) } ?? .nan),
            ("annals_fleet_queue_depth_target_per_instance", tier.map { policy[$0].queueDepthPerInstance } ?? .nan),
            ("annals_fleet_cost_dollars_per_hour", costPerHour ?? .nan),
            ("annals_fleet_minute_timestamp_seconds", minute),
            ("annals_fleet_instances_reporting", Double(instancesReporting)),
            ("annals_fleet_gpu_utilization_mean", meanGPUUtilization ?? .nan),
            ("annals_fleet_gpu_utilization_max", maxGPUUtilization ?? .nan),
            ("annals_fleet_gpu_memory_utilization_max", maxGPUMemoryUtilization ?? .nan),
            ("annals_fleet_queue_depth", queueDepth ?? .nan),
            ("annals_fleet_latency_p95_seconds", latencyP95Seconds ?? .nan),
            ("annals_fleet_active_players", activePlayers ?? .nan),
            ("annals_fleet_spot_interruption_notice", spotInterruptionNotice ? 1 : 0),
            ("annals_fleet_desired_capacity", desiredCapacity.map(Double.init) ?? .nan),
            ("annals_fleet_current_capacity", Double(instancesReporting)),
            ("annals_fleet_minutes_since_last_sample", max(0, (now - lastSampleAt) / 60)),
        ]
    }
}

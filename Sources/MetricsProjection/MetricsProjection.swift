import AnnalsEvents
import AnnalsMetrics
import Kafka
import Postgres
import Projection

/// `metric-sample` → `metrics.samples` (raw, idempotent by event id), `metrics.rollups` (per tier and minute; a late
/// sample updates its minute), and the autoscaling policy run in event time: `metrics.autoscaler_state` (each
/// tier's ``TierAutoscaler`` state, committed with the checkpoint) and `metrics.decisions` (every decision with its
/// inputs and the `ScaleDecision` to publish).
///
/// Each tier starts at its minimum capacity and follows its own decisions from there. The live worker also queues
/// new decisions in ``DecisionOutbox`` (`queuesDecisions`); a replay rebuilds the same tables and queues nothing.
public struct MetricsProjection: Projection {
    public let name = "metrics"
    /// 2: a reading a sample did not carry is NULL in the tables and absent to the policy, not 0.
    public let version = 2
    public let topics: [AnnalsTopic] = [.metricSample]
    public let schema: String
    public let tables = ["samples", "rollups", "autoscaler_state", "decisions"]
    /// The outbox of `scale-decision`, kept across replays.
    public var auxiliarySchemas: [String] { [DecisionOutbox.schema] }
    /// The policy's settings: a replay must use the live worker's to rebuild the same decisions.
    public let settings: ScalePolicySettings
    /// Whether new decisions are queued for publishing: the live worker's projection does, a replay's does not.
    public let queuesDecisions: Bool

    public init(schema: String = "metrics", settings: ScalePolicySettings = .init(), queuesDecisions: Bool = false) {
        self.schema = schema
        self.settings = settings
        self.queuesDecisions = queuesDecisions
    }

    /// ``ScalePolicy/version(settings:)`` of the settings: what every decision carries.
    public var policyVersion: String { ScalePolicy.version(settings: settings) }

    public func migrations(schema: String) -> [String] {
        MetricsSQL.migrations(schema: quoteIdentifier(schema)) + DecisionOutbox.migrations
    }

    /// Stored autoscaler states this code cannot read stop the worker at start-up, rather than fail every batch.
    public func checkCompatibility(schema: String, connection: PostgresConnection) throws {
        _ = try MetricsSQL(schema: quoteIdentifier(schema)).autoscalerStates(Set(Tier.scaled), connection: connection)
    }

    public func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
        var samples: [SampleAt] = []
        samples.reserveCapacity(events.count)
        for projected in events {
            guard case .metricSample(let sample) = projected.event else { continue }
            samples.append((sample, projected.coordinates))
        }
        guard !samples.isEmpty else { return }
        let sql = MetricsSQL(schema: quoteIdentifier(schema))
        let inserted = try sql.insert(samples, connection: connection)
        // Events applied before (same event id, here or in an earlier batch) change nothing, the policy included.
        var unseen = inserted
        let fresh = samples.filter { unseen.remove($0.sample.meta.eventID) != nil }
        guard !fresh.isEmpty else { return }
        try sql.refreshRollups(
            Set(fresh.map { MinuteRollups.Key(tier: $0.sample.tier, minute: Minute(containing: $0.sample.sampledAt)) }),
            connection: connection)

        let stored = try sql.autoscalerStates(Set(fresh.map(\.sample.tier)), connection: connection)
        let pass = try PolicyPass(settings: settings).run(fresh, states: stored)
        try sql.insert(pass.decisions, connection: connection)
        try sql.store(pass.states, policyVersion: policyVersion, connection: connection)
        if queuesDecisions { try DecisionOutbox.queue(pass.decisions, connection: connection) }
    }

    /// After a replay's swap (or an in-place rebuild), queues the decisions made from samples at or after the live
    /// checkpoints it replaced: only the rebuild applied those samples, and the live worker resumes past them, so
    /// otherwise they would never reach scale-decision. Earlier decisions are in the outbox already (their ids are
    /// skipped); on an empty outbox the publisher's reconciliation with the topic, before its first send, keeps
    /// decisions already published from being sent again. Done whatever `queuesDecisions` says: the replay's
    /// projection hands over for the live worker.
    public func handOver(from replaced: [TopicPartition: Int64], in tx: PostgresConnection) throws {
        try DecisionOutbox.queueMade(after: replaced, schema: quoteIdentifier(schema), connection: tx)
    }
}

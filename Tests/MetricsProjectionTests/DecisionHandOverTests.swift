import AnnalsEvents
import AnnalsMetrics
import Kafka
@testable import MetricsProjection
import Postgres
import Projection
import Testing
import TestSupport

/// `MetricsProjection.handOver(from:in:)`: at a replay's swap, the decisions made from samples the live worker had
/// not applied yet are queued in the outbox, in the order made, each id once.
@Suite struct DecisionHandOverTests {
    /// The trace's samples as read from metric-sample: gold on partition 0, the other tiers on partition 1.
    static func events(_ samples: [MetricSample]) -> [ProjectedEvent] {
        var next: [Int32: Int64] = [:]
        return samples.map { sample in
            let partition: Int32 = sample.tier == .gold ? 0 : 1
            defer { next[partition, default: 0] += 1 }
            return ProjectedEvent(event: .metricSample(sample), coordinates: EventCoordinates(
                topic: "metric-sample", partition: partition, offset: next[partition, default: 0]))
        }
    }

    /// Each tier's decision ids in `ids`' order.
    static func byTier(_ ids: [String], tiers: [String: String]) -> [String: [String]] {
        Dictionary(grouping: ids) { tiers[$0] ?? "?" }
    }

    struct Outbox: Sendable {
        var queued: [String]
        var unsent: [String]
        var tiers: [String: String]
    }

    static func outbox(_ db: PostgresConnection) throws -> Outbox {
        let rows = try db.execute("SELECT decision_id, tier, sent_at IS NULL AS unsent FROM metrics_outbox.decisions ORDER BY sequence").rows
        return Outbox(queued: try rows.map { try $0.string("decision_id") },
                      unsent: try rows.filter { try $0.bool("unsent") }.map { try $0.string("decision_id") },
                      tiers: Dictionary(uniqueKeysWithValues: try rows.map { (try $0.string("decision_id"), try $0.string("tier")) }))
    }

    static func inProcess(_ samples: some Sequence<MetricSample>) -> [String: [String]] {
        var autoscaler = Autoscaler()
        var decisions: [String: [String]] = [:]
        for sample in samples {
            for decision in autoscaler.observe(sample).decisions { decisions[decision.tier.name, default: []].append(decision.decisionID) }
        }
        return decisions
    }

    @Test func aSwapQueuesTheDecisionsMadePastTheReplacedCheckpointsOnceInTheOrderMade() async throws {
        let samples = try MetricTraceFile.samples("ramp-100-to-10000")
        let lag = samples.count / 2
        let (sentBefore, replaced, afterSwap, afterAgain, stored) = try await MetricsProjectionDatabaseTests.withDatabase(
            "metrics_handover", schemas: ["live", "metrics"]
        ) { db in
            let events = Self.events(samples)
            // The live worker applied and published the first half, then fell behind.
            try MetricsProjectionDatabaseTests.apply(
                Array(events[..<lag]), MetricsProjection(schema: "live", queuesDecisions: true), batchSize: 100, connection: db)
            let sentBefore = try Self.outbox(db).queued
            try DecisionOutbox.markSent(sentBefore, connection: db)
            var replaced: [TopicPartition: Int64] = [:]
            for event in events[..<lag] { replaced[event.coordinates.topicPartition] = event.coordinates.offset + 1 }

            // The replay rebuilt everything, queueing nothing; the swap hands over.
            let replay = MetricsProjection()
            try MetricsProjectionDatabaseTests.apply(events, replay, batchSize: 700, connection: db)
            try db.transaction { try replay.handOver(from: replaced, in: $0) }
            let afterSwap = try Self.outbox(db)
            try db.transaction { try replay.handOver(from: replaced, in: $0) }
            let stored = try db.execute("SELECT count(*) AS n FROM metrics.decisions").rows.first?.int("n") ?? -1
            return (sentBefore, replaced, afterSwap, try Self.outbox(db), stored)
        }
        let expected = Self.inProcess(samples)
        let beforeLag = Self.inProcess(samples[..<lag])
        #expect(replaced.count == 2)
        #expect(!sentBefore.isEmpty && sentBefore.count < stored)
        #expect(Set(sentBefore) == Set(beforeLag.values.joined()))
        #expect(afterSwap.queued.count == stored, "every decision is in the outbox once")
        #expect(Self.byTier(afterSwap.queued, tiers: afterSwap.tiers) == expected, "each tier's in the order made")
        #expect(Set(afterSwap.unsent) == Set(expected.values.joined()).subtracting(sentBefore),
                "only the decisions from the lagging range are to send")
        #expect(Array(afterSwap.queued.prefix(sentBefore.count)) == sentBefore, "queued after the ones sent before")
        #expect(afterAgain.queued == afterSwap.queued, "a decision id is queued once, ever")
    }

    @Test func aSwapWithNoLiveCheckpointsQueuesEveryDecisionNotInTheOutbox() async throws {
        let samples = try MetricTraceFile.samples("spike")
        let (queued, stored) = try await MetricsProjectionDatabaseTests.withDatabase("metrics_handover_empty") { db in
            let replay = MetricsProjection()
            try MetricsProjectionDatabaseTests.apply(Self.events(samples), replay, connection: db)
            try db.transaction { try replay.handOver(from: [:], in: $0) }
            let stored = try db.execute("SELECT count(*) AS n FROM metrics.decisions").rows.first?.int("n") ?? -1
            return (try Self.outbox(db), stored)
        }
        // The publisher reconciles with scale-decision before its first send: those already there are not re-sent.
        #expect(stored > 0)
        #expect(queued.unsent.count == stored)
        #expect(Self.byTier(queued.queued, tiers: queued.tiers) == Self.inProcess(samples))
    }
}

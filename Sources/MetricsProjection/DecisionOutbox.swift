import AnnalsEvents
import Kafka
import Postgres
import Projection

/// The transactional outbox of `scale-decision`: `metrics_outbox.decisions`, outside the projection's schema so
/// replays and checksums never see it (it holds wall-clock times). The live worker queues each new decision in the
/// batch's transaction, and a replay's swap queues those made from samples the live worker had not applied yet
/// (``queueMade(after:schema:connection:)``); ``DecisionPublisher`` sends the queued ones in order and marks them sent.
/// A decision id is queued at most once, ever: a replay, or a worker re-applying history after one, never sends it
/// again.
public enum DecisionOutbox {
    /// The outbox's schema.
    public static let schema = "metrics_outbox"

    static let migrations = [
        "CREATE SCHEMA IF NOT EXISTS \(schema)",
        """
        CREATE TABLE IF NOT EXISTS \(schema).decisions (
            decision_id text PRIMARY KEY,
            sequence bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            tier text NOT NULL,
            event bytea NOT NULL,
            queued_at timestamptz NOT NULL DEFAULT now(),
            sent_at timestamptz
        )
        """,
        "CREATE INDEX IF NOT EXISTS decisions_unsent ON \(schema).decisions (sequence) WHERE sent_at IS NULL",
    ]

    /// A queued decision.
    public struct Entry: Sendable, Equatable {
        public var decisionID: String
        public var tier: String
        /// The `ScaleDecision`, protobuf binary.
        public var event: [UInt8]
    }

    /// Queues `decisions` in order, inside the caller's transaction; ids queued before are skipped.
    static func queue(_ decisions: [MadeDecision], connection: PostgresConnection) throws {
        for made in decisions {
            try connection.execute(
                """
                INSERT INTO \(schema).decisions (decision_id, tier, event) VALUES ($1, $2, $3::bytea)
                ON CONFLICT (decision_id) DO NOTHING
                """,
                [PostgresValue(made.decision.decisionID), PostgresValue(made.decision.tier.name), .bytea(made.event)])
        }
    }

    /// Queues, inside the caller's transaction, the decisions in `schema`'s `decisions` table made from samples at or
    /// after `from` (a partition absent: all of them), i.e. those no live worker made, since it had not applied those
    /// samples; ids queued before are skipped. They are queued as a worker would have made them: each partition's in
    /// offset order, partitions interleaved by decision time. Returns how many were queued.
    @discardableResult
    static func queueMade(after from: [TopicPartition: Int64], schema: String, connection: PostgresConnection) throws -> Int {
        let replaced = from.sorted { $0.key < $1.key }
        // A running maximum of decided_at along each partition's order: sorting by it keeps that order (a spot
        // notice can be decided at an earlier event time than the minute closed before it).
        let made = try connection.execute(
            """
            WITH replaced AS (
                SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[]) AS r(topic, partition, next_offset)
            ), handed AS (
                SELECT d.decision_id, d.tier, d.event, d.topic, d.partition, d."offset", d.ordinal,
                       max(d.decided_at) OVER (PARTITION BY d.topic, d.partition ORDER BY d."offset", d.ordinal
                                               ROWS UNBOUNDED PRECEDING) AS made_by
                FROM \(schema).decisions d LEFT JOIN replaced r ON r.topic = d.topic AND r.partition = d.partition
                WHERE d."offset" >= coalesce(r.next_offset, 0)
            )
            SELECT decision_id, tier, event FROM handed
            WHERE NOT EXISTS (SELECT 1 FROM \(Self.schema).decisions o WHERE o.decision_id = handed.decision_id)
            ORDER BY made_by, topic, partition, "offset", ordinal
            """,
            [.textArray(replaced.map(\.key.topic)), .int64Array(replaced.map { Int64($0.key.partition) }),
             .int64Array(replaced.map(\.value))])
        let entries = try made.rows.map {
            Entry(decisionID: try $0.string("decision_id"), tier: try $0.string("tier"), event: try $0.bytes("event"))
        }
        guard !entries.isEmpty else { return 0 }
        let results = try connection.pipeline(entries.map { entry in
            ("""
             INSERT INTO \(Self.schema).decisions (decision_id, tier, event) VALUES ($1, $2, $3::bytea)
             ON CONFLICT (decision_id) DO NOTHING
             """, [PostgresValue(entry.decisionID), PostgresValue(entry.tier), .bytea(entry.event)] as [PostgresValue?])
        })
        return results.reduce(0) { $0 + $1.affectedRows }
    }

    /// Whether the outbox table exists (the metrics projection's migration creates it).
    static func exists(connection: PostgresConnection) throws -> Bool {
        try connection.execute("SELECT to_regclass('\(schema).decisions') IS NOT NULL AS present").rows.first?.bool("present") ?? false
    }

    /// Up to `limit` decisions not yet sent, oldest first; none while the outbox does not exist yet.
    public static func unsent(limit: Int, connection: PostgresConnection) throws -> [Entry] {
        do {
            let result = try connection.execute(
                "SELECT decision_id, tier, event FROM \(schema).decisions WHERE sent_at IS NULL ORDER BY sequence LIMIT $1",
                [.int(limit)])
            return try result.rows.map {
                Entry(decisionID: try $0.string("decision_id"), tier: try $0.string("tier"), event: try $0.bytes("event"))
            }
        } catch let error as PostgresError where error.sqlState == "42P01" || error.sqlState == "3F000" {
            return []
        }
    }

    /// Marks decisions as sent now.
    public static func markSent(_ ids: [String], connection: PostgresConnection) throws {
        guard !ids.isEmpty else { return }
        try connection.execute(
            "UPDATE \(schema).decisions SET sent_at = now() WHERE decision_id = ANY($1::text[])", [.textArray(ids)])
    }

    /// Records decisions read back from scale-decision as sent, in one transaction: one queued later (a worker
    /// rebuilding from offset 0 after the database was lost) is skipped by ``queue(_:connection:)``, and one queued
    /// but unmarked (a crash between the broker's acknowledgement and ``markSent(_:connection:)``) is marked.
    /// Returns how many of them the outbox did not know as sent.
    @discardableResult
    public static func recordPublished(_ entries: [Entry], connection: PostgresConnection) throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let known = try connection.execute(
            """
            WITH published AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS p(decision_id, tier, event_hex)
            ), newly AS (
                INSERT INTO \(schema).decisions AS d (decision_id, tier, event, sent_at)
                SELECT decision_id, tier, decode(event_hex, 'hex'), now() FROM published
                ON CONFLICT (decision_id) DO UPDATE SET sent_at = now() WHERE d.sent_at IS NULL
                RETURNING 1
            )
            SELECT count(*) AS n FROM newly
            """,
            [.textArray(entries.map(\.decisionID)), .textArray(entries.map(\.tier)),
             .textArray(entries.map { hexString($0.event) })])
        return try known.rows.first?.int("n") ?? 0
    }

    /// Takes the session lock that makes one publisher at a time send (so decisions leave in order); false when
    /// another holds it.
    static func tryLock(connection: PostgresConnection) throws -> Bool {
        try connection.execute("SELECT pg_try_advisory_lock(\(lockKey)) AS locked").rows.first?.bool("locked") ?? false
    }

    static func unlock(connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_advisory_unlock(\(lockKey))")
    }

    /// An arbitrary fixed key; the migrator uses 7204118555.
    private static let lockKey: Int64 = 7_204_118_556
}

import Foundation
import Postgres

/// `annals.workers`: one row per running worker process, rewritten by its heartbeat.
public struct WorkerStore: Sendable {
    public init() {}

    /// Writes (or rewrites) the worker's row, stamped with the database's clock.
    public func beat(_ identity: WorkerIdentity, intervalMilliseconds: Int, partitions: [WorkerPartitionActivity],
                     connection: PostgresConnection) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(partitions), as: UTF8.self)
        try connection.execute(
            """
            INSERT INTO annals.workers (worker_id, projection, consumer_group, host, pid, http_endpoint, started_at,
                                        heartbeat_at, heartbeat_interval_ms, partitions)
            VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9::jsonb)
            ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now(), heartbeat_interval_ms = EXCLUDED.heartbeat_interval_ms,
                partitions = EXCLUDED.partitions, http_endpoint = EXCLUDED.http_endpoint
            """,
            [
                PostgresValue(identity.id), PostgresValue(identity.projection), PostgresValue(identity.group),
                PostgresValue(identity.host), .int(identity.pid), identity.httpEndpoint.map { PostgresValue($0) },
                .timestamp(identity.startedAt), .int(max(intervalMilliseconds, 1)), PostgresValue(json),
            ])
    }

    /// Deletes the worker's row: it stopped.
    public func remove(workerID: String, connection: PostgresConnection) throws {
        try connection.execute("DELETE FROM annals.workers WHERE worker_id = $1", [PostgresValue(workerID)])
    }

    /// Deletes the rows of `projection` not rewritten for `seconds`: workers killed long ago.
    /// Recent silent ones stay, so status can say when they were last seen.
    public func forget(projection: String, silentFor seconds: Int, connection: PostgresConnection) throws {
        try connection.execute(
            "DELETE FROM annals.workers WHERE projection = $1 AND heartbeat_at < now() - make_interval(secs => $2)",
            [PostgresValue(projection), .int(seconds)])
    }

    /// Every row, freshest heartbeat first; none when the table does not exist yet (no worker ever migrated).
    public func all(connection: PostgresConnection) throws -> [WorkerRecord] {
        let exists = try connection.execute("SELECT to_regclass('annals.workers') IS NOT NULL AS present")
        guard try exists.rows.first?.bool("present") == true else { return [] }
        let result = try connection.execute(
            """
            SELECT worker_id, projection, consumer_group, host, pid, http_endpoint,
                   extract(epoch FROM started_at)::float8 AS started_epoch, heartbeat_interval_ms,
                   partitions::text AS partitions, extract(epoch FROM now() - heartbeat_at)::float8 AS age_seconds
            FROM annals.workers ORDER BY heartbeat_at DESC, worker_id
            """)
        let decoder = JSONDecoder()
        return try result.rows.map { row in
            // A row written by another version that cannot be read still names the worker: status must not fail.
            let partitions = try? decoder.decode([WorkerPartitionActivity].self, from: Data(try row.string("partitions").utf8))
            return WorkerRecord(
                identity: WorkerIdentity(
                    id: try row.string("worker_id"), projection: try row.string("projection"),
                    group: try row.string("consumer_group"), host: try row.string("host"), pid: try row.int("pid"),
                    httpEndpoint: row.optionalString("http_endpoint"),
                    startedAt: Date(timeIntervalSince1970: try row.double("started_epoch"))),
                intervalSeconds: Double(try row.int("heartbeat_interval_ms")) / 1_000,
                partitions: partitions ?? [],
                heartbeatAgeSeconds: max(try row.double("age_seconds"), 0))
        }
    }
}

import Kafka
import Postgres

/// The SQL of shadow replays: `annals.replays`, `annals.replay_targets`, and the swap's schema and checkpoint moves.
enum ShadowReplayStore {
    static func load(_ projection: String, connection: PostgresConnection) throws -> ShadowReplayRecord? {
        let exists = try connection.execute("SELECT to_regclass('annals.replays') IS NOT NULL AS present")
        guard try exists.rows.first?.bool("present") == true else { return nil }
        guard let row = try connection.execute(
            "SELECT shadow_schema, ledger, swaps, until FROM annals.replays WHERE projection = $1",
            [PostgresValue(projection)]).rows.first
        else { return nil }
        var targets: [TopicPartition: Int64] = [:]
        for target in try connection.execute(
            "SELECT topic, partition, stop_offset FROM annals.replay_targets WHERE projection = $1",
            [PostgresValue(projection)]).rows {
            targets[TopicPartition(topic: try target.string("topic"), partition: Int32(try target.int("partition")))] =
                try target.int64("stop_offset")
        }
        return ShadowReplayRecord(
            projection: projection,
            shadow: ProjectionTarget(schema: try row.string("shadow_schema"), ledger: try row.string("ledger"), isLive: false),
            swaps: try row.bool("swaps"), until: row["until"] == nil ? nil : try row.string("until"), targets: targets)
    }

    static func insert(_ record: ShadowReplayRecord, connection: PostgresConnection) throws {
        try connection.execute(
            "INSERT INTO annals.replays (projection, shadow_schema, ledger, swaps, until) VALUES ($1, $2, $3, $4, $5)",
            [PostgresValue(record.projection), PostgresValue(record.shadow.schema), PostgresValue(record.shadow.ledger),
             .bool(record.swaps), record.until.map { PostgresValue($0) }])
        _ = try connection.pipeline(record.targets.sorted { $0.key < $1.key }.map { partition, stop in
            ("INSERT INTO annals.replay_targets (projection, topic, partition, stop_offset) VALUES ($1, $2, $3, $4)",
             [PostgresValue(record.projection), PostgresValue(partition.topic), .int(partition.partition), .int(stop)])
        })
    }

    static func delete(_ projection: String, connection: PostgresConnection) throws {
        try connection.execute("DELETE FROM annals.replays WHERE projection = $1", [PostgresValue(projection)])
    }

    /// Locks the live tables (waiting for the live workers' transactions in flight, and holding new ones until
    /// commit), drops them and renames the shadow schema to the live one. A worker transaction held on a lock
    /// resolves its table names again once it gets it, so it writes into the swapped-in tables.
    static func swapSchemas(live projection: any Projection, shadow: ProjectionTarget, connection: PostgresConnection) throws {
        let live = quoteIdentifier(projection.schema)
        let existing = try connection.execute(
            """
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname
            """, [PostgresValue(projection.schema)]).rows.map { try $0.string("name") }
        if !existing.isEmpty {
            try connection.execute("LOCK TABLE \(existing.joined(separator: ", ")) IN ACCESS EXCLUSIVE MODE")
        }
        try connection.execute("DROP SCHEMA IF EXISTS \(live) CASCADE")
        try connection.execute("ALTER SCHEMA \(quoteIdentifier(shadow.schema)) RENAME TO \(live)")
    }

    /// The live checkpoints become the shadow's stop offsets, as new rows: a live worker's compare-and-set on the
    /// old rows (even one waiting on the swap's locks) then matches nothing and it reloads them. The pending dead
    /// letters become the shadow's; the tables' version becomes the code's. Last, the projection's
    /// ``Projection/handOver(from:in:)`` does what its live worker would have done for the events between the
    /// replaced checkpoints and the stop offsets (the metrics projection queues their decisions for publishing).
    static func handOver(_ record: ShadowReplayRecord, projection: any Projection, connection: PostgresConnection) throws {
        let name = PostgresValue(projection.name)
        let ledger = PostgresValue(record.shadow.ledger)
        let replaced = try CheckpointStore(projection: projection.name).loadAll(connection: connection)
        try connection.execute("DELETE FROM annals.checkpoints WHERE projection = $1 OR projection = $2", [name, ledger])
        try connection.execute(
            """
            INSERT INTO annals.checkpoints (projection, topic, partition, next_offset)
            SELECT $1, topic, partition, stop_offset FROM annals.replay_targets WHERE projection = $1
            """, [name])
        // Re-driven letters stay for the record unless the rebuild dead-lettered the same message again.
        try connection.execute(
            """
            DELETE FROM annals.dead_letters WHERE projection = $1 AND (redriven_at IS NULL OR (topic, partition, "offset") IN
                (SELECT topic, partition, "offset" FROM annals.dead_letters WHERE projection = $2))
            """, [name, ledger])
        try connection.execute("UPDATE annals.dead_letters SET projection = $1 WHERE projection = $2", [name, ledger])
        try connection.execute(
            """
            INSERT INTO annals.projections (name, version) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()
            """, [name, .int(projection.version)])
        try projection.handOver(from: replaced, in: connection)
    }
}

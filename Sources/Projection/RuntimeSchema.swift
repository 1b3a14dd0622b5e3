/// The `annals` schema every worker shares: projection versions, checkpoints, dead letters, worker heartbeats,
/// the replays under way into shadow schemas (with the offsets each one stops at), and the in-place rebuilds under
/// way (with the checkpoints they replaced).
enum RuntimeSchema {
    static let statements = [
        "CREATE SCHEMA IF NOT EXISTS annals",
        """
        CREATE TABLE IF NOT EXISTS annals.projections (
            name text PRIMARY KEY,
            version integer NOT NULL,
            migrated_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS annals.checkpoints (
            projection text NOT NULL,
            topic text NOT NULL,
            partition integer NOT NULL,
            next_offset bigint NOT NULL CHECK (next_offset >= 0),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (projection, topic, partition)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS annals.dead_letters (
            id bigserial PRIMARY KEY,
            projection text NOT NULL,
            topic text NOT NULL,
            partition integer NOT NULL,
            "offset" bigint NOT NULL,
            key bytea,
            value bytea,
            headers jsonb NOT NULL DEFAULT '[]',
            error text NOT NULL,
            failed_at timestamptz NOT NULL DEFAULT now(),
            redriven_at timestamptz,
            UNIQUE (projection, topic, partition, "offset")
        )
        """,
        // Added after the table: the record's Kafka timestamp, which a redrive bounds event times against.
        "ALTER TABLE annals.dead_letters ADD COLUMN IF NOT EXISTS record_timestamp_ms bigint",
        """
        CREATE TABLE IF NOT EXISTS annals.replays (
            projection text PRIMARY KEY,
            shadow_schema text NOT NULL,
            ledger text NOT NULL,
            swaps boolean NOT NULL,
            until text,
            started_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS annals.replay_targets (
            projection text NOT NULL REFERENCES annals.replays ON DELETE CASCADE,
            topic text NOT NULL,
            partition integer NOT NULL,
            stop_offset bigint NOT NULL CHECK (stop_offset >= 0),
            PRIMARY KEY (projection, topic, partition)
        )
        """,
        // An in-place rebuild under way, and the checkpoints its reset replaced: kept until its hand-over is done, so
        // a rebuild interrupted and run again still hands over from the first reset's checkpoints.
        """
        CREATE TABLE IF NOT EXISTS annals.rebuilds (
            projection text PRIMARY KEY,
            started_at timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS annals.rebuild_replaced (
            projection text NOT NULL REFERENCES annals.rebuilds ON DELETE CASCADE,
            topic text NOT NULL,
            partition integer NOT NULL,
            next_offset bigint NOT NULL CHECK (next_offset >= 0),
            PRIMARY KEY (projection, topic, partition)
        )
        """,
        // What a projection's tables were built from: its checkpoints (every commit rewrites updated_at) and the
        // last re-drive of its dead letters. Readers cache answers under it (`annals-api`); they may call it
        // without reading the tables it summarises, so it runs as its owner.
        """
        CREATE OR REPLACE FUNCTION annals.data_version(projection_name text) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
            SELECT concat_ws('/',
                (SELECT count(*) || ':' || coalesce(sum(next_offset), 0) || ':' || coalesce(max(updated_at)::text, '')
                 FROM annals.checkpoints WHERE projection = projection_name),
                (SELECT coalesce(max(redriven_at)::text, '') FROM annals.dead_letters WHERE projection = projection_name),
                (SELECT coalesce(max(version)::text, '') FROM annals.projections WHERE name = projection_name))
        $$
        """,
        "REVOKE ALL ON FUNCTION annals.data_version(text) FROM PUBLIC",
        // One row per running worker process, rewritten by its heartbeat (`WorkerHeartbeat`), deleted when it stops.
        """
        CREATE TABLE IF NOT EXISTS annals.workers (
            worker_id text PRIMARY KEY,
            projection text NOT NULL,
            consumer_group text NOT NULL,
            host text NOT NULL,
            pid integer NOT NULL,
            http_endpoint text,
            started_at timestamptz NOT NULL,
            heartbeat_at timestamptz NOT NULL DEFAULT now(),
            heartbeat_interval_ms integer NOT NULL CHECK (heartbeat_interval_ms > 0),
            partitions jsonb NOT NULL DEFAULT '[]'
        )
        """,
    ]
}

import Postgres

/// Creates the runtime schema and a projection's tables, and guards the projection's version.
public enum ProjectionMigrator {
    /// What `migrate` found.
    public enum Outcome: Equatable, Sendable {
        case created
        case upToDate
    }

    /// Creates whatever is missing and records the version; refuses tables of another version.
    @discardableResult
    public static func migrate(_ projection: any Projection, connection: PostgresConnection) throws -> Outcome {
        try connection.transaction { tx in
            try lockMigrations(tx)
            // A least-privilege worker role never runs DDL: it checks what an owner migrated.
            guard try MigrationRights.mayRunDDL(in: ["annals", projection.schema] + projection.auxiliarySchemas, connection: tx)
            else { return try attach(projection, tx) }
            try runRuntimeSchema(tx)
            if let stored = try storedVersion(of: projection, tx) {
                guard stored == projection.version else {
                    throw ProjectionError.versionMismatch(projection: projection.name, tables: stored, code: projection.version)
                }
                try createTables(projection, schema: projection.schema, tx)
                return .upToDate
            }
            try createTables(projection, schema: projection.schema, tx)
            try tx.execute(
                "INSERT INTO annals.projections (name, version) VALUES ($1, $2)",
                [PostgresValue(projection.name), .int(projection.version)])
            return .created
        }
    }

    /// Drops the projection's tables, checkpoints and dead letters and creates them empty at the code's version.
    /// Runs inside the caller's transaction so a failed rebuild start leaves everything as it was.
    public static func recreate(_ projection: any Projection, in tx: PostgresConnection) throws {
        try lockMigrations(tx)
        try runRuntimeSchema(tx)
        try tx.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(projection.schema)) CASCADE")
        try createTables(projection, schema: projection.schema, tx)
        try tx.execute("DELETE FROM annals.checkpoints WHERE projection = $1", [PostgresValue(projection.name)])
        try tx.execute("DELETE FROM annals.dead_letters WHERE projection = $1", [PostgresValue(projection.name)])
        try tx.execute(
            """
            INSERT INTO annals.projections (name, version) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, migrated_at = now()
            """,
            [PostgresValue(projection.name), .int(projection.version)])
    }

    /// Creates `target`'s schema empty with the projection's tables, and clears its checkpoints and dead letters,
    /// inside the caller's transaction. The live tables are not touched.
    static func createShadow(_ projection: any Projection, target: ProjectionTarget, in tx: PostgresConnection) throws {
        precondition(!target.isLive, "a shadow must not be the live schema")
        try lockMigrations(tx)
        try runRuntimeSchema(tx)
        try tx.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(target.schema)) CASCADE")
        try createTables(projection, schema: target.schema, deferringIndexes: true, tx)
        try clearLedger(target.ledger, tx)
    }

    /// Memory each index build may use (`maintenance_work_mem`): an HNSW build whose graph outgrows it goes on
    /// far slower on disk. 100,000 chunks of 384 dimensions need about 300 MB.
    static let indexBuildMemory = "1GB"

    /// Creates the projection's deferred indexes in `schema` (a loaded shadow) inside the caller's transaction, with
    /// `indexBuildMemory` and the server's parallel maintenance workers; indexes that exist are left as they are.
    static func createDeferredIndexes(_ projection: any Projection, schema: String, in tx: PostgresConnection) throws {
        let statements = projection.deferredIndexes(schema: schema)
        guard !statements.isEmpty else { return }
        try tx.execute("SELECT set_config('maintenance_work_mem', $1, true)", [PostgresValue(indexBuildMemory)])
        for statement in statements { try tx.execute(statement) }
    }

    /// Drops `target`'s schema, checkpoints and dead letters, inside the caller's transaction.
    static func dropShadow(_ target: ProjectionTarget, in tx: PostgresConnection) throws {
        precondition(!target.isLive, "a shadow must not be the live schema")
        try lockMigrations(tx)
        try runRuntimeSchema(tx)
        try tx.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(target.schema)) CASCADE")
        try clearLedger(target.ledger, tx)
    }

    /// Throws unless `target`'s schema exists: a runner never creates a shadow by itself.
    public static func requireShadow(_ projection: any Projection, target: ProjectionTarget, connection: PostgresConnection) throws {
        let result = try connection.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present", [PostgresValue(target.schema)])
        guard try result.rows.first?.bool("present") == true else {
            throw ReplayError.shadowMissing(projection: projection.name, schema: target.schema)
        }
        try projection.checkCompatibility(schema: target.schema, connection: connection)
    }

    private static func clearLedger(_ ledger: String, _ tx: PostgresConnection) throws {
        try tx.execute("DELETE FROM annals.checkpoints WHERE projection = $1", [PostgresValue(ledger)])
        try tx.execute("DELETE FROM annals.dead_letters WHERE projection = $1", [PostgresValue(ledger)])
    }

    /// Serialises migrations, shadow creation and swaps.
    static func lock(_ tx: PostgresConnection) throws {
        try lockMigrations(tx)
        try runRuntimeSchema(tx)
    }

    /// Throws `versionMismatch` when the tables were built by another version of the projection's code (a replay of
    /// newer code swapped in, or ran in place); tables not (yet) recorded pass.
    public static func requireVersion(of projection: any Projection, _ connection: PostgresConnection) throws {
        if let stored = try storedVersion(of: projection, connection), stored != projection.version {
            throw ProjectionError.versionMismatch(projection: projection.name, tables: stored, code: projection.version)
        }
    }

    /// The version the tables were built with, nil when never migrated.
    public static func storedVersion(of projection: any Projection, _ connection: PostgresConnection) throws -> Int? {
        let exists = try connection.execute("SELECT to_regclass('annals.projections') IS NOT NULL AS present")
        guard try exists.rows.first?.bool("present") == true else { return nil }
        let result = try connection.execute(
            "SELECT version FROM annals.projections WHERE name = $1", [PostgresValue(projection.name)])
        return try result.rows.first.map { try $0.int("version") }
    }

    /// Creates the projection's tables in `schema`, with their deferred indexes unless `deferringIndexes` (a shadow
    /// about to be loaded).
    private static func createTables(_ projection: any Projection, schema: String, deferringIndexes: Bool = false,
                                     _ tx: PostgresConnection) throws {
        try tx.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema))")
        let indexes = deferringIndexes ? [] : projection.deferredIndexes(schema: schema)
        for statement in projection.migrations(schema: schema) + indexes {
            try tx.execute(statement)
        }
        try projection.checkCompatibility(schema: schema, connection: tx)
        try AccessRoles.regrant(projection, schema: schema, connection: tx)
    }

    private static func runRuntimeSchema(_ tx: PostgresConnection) throws {
        for statement in RuntimeSchema.statements {
            try tx.execute(statement)
        }
    }

    /// Serialises concurrent migrations (several workers starting at once) on a fixed advisory lock.
    static func lockMigrations(_ tx: PostgresConnection) throws {
        try tx.execute("SELECT pg_advisory_xact_lock(7204118555)")
    }
}

/// SQL rendering a timestamptz column as RFC 3339 in UTC with microseconds (`2026-03-01T08:00:07.000000Z`), for readers.
public func rfc3339UTC(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
}

/// Quotes an SQL identifier (schema or table name).
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Quotes an SQL string literal (standard_conforming_strings, PostgreSQL's default: only `'` is special).
public func quoteLiteral(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
}

import Postgres

/// Every statement of the access roles. `annals.access_roles` records which roles exist for which projection, so
/// that whenever an owner (re)creates a projection's tables (`annals migrate`, an in-place or shadow replay, which
/// drop and recreate schemas and so lose their grants) the same roles are granted the new tables at once.
enum AccessRolesSQL {
    static let registry = """
        CREATE TABLE IF NOT EXISTS annals.access_roles (
            role text PRIMARY KEY,
            access text NOT NULL CHECK (access IN ('write', 'read')),
            projection text,
            CHECK ((access = 'write') = (projection IS NOT NULL))
        )
        """

    /// The shared `annals` tables a worker uses, the column naming each row's projection, and what a writer may do
    /// there: read its version, move its checkpoints, record dead letters (and make a re-driven one wait again when it
    /// is dead-lettered again), keep its heartbeat rows. The replay
    /// bookkeeping (`replays`, `replay_targets`, `rebuilds`, `rebuild_replaced`) is the owner's alone.
    static let runtimeTables: [(table: String, column: String, privileges: String)] = [
        ("projections", "name", "SELECT"),
        ("checkpoints", "projection", "SELECT, INSERT, UPDATE"),
        ("dead_letters", "projection", "SELECT, INSERT, UPDATE"),
        ("workers", "projection", "SELECT, INSERT, UPDATE, DELETE"),
    ]

    /// What a writer may do to the shared tables; row-level security narrows it to its projection's rows.
    static func runtimeGrants(writer: String, projection: String, deadLetterSequence: String?) -> [String] {
        let role = quoteIdentifier(writer)
        var statements = ["GRANT USAGE ON SCHEMA annals TO \(role)"]
        statements += runtimeTables.map { "GRANT \($0.privileges) ON annals.\($0.table) TO \(role)" }
        if let deadLetterSequence { statements.append("GRANT USAGE ON SEQUENCE \(deadLetterSequence) TO \(role)") }
        for (table, column, _) in runtimeTables {
            // Replaced rather than kept, so a changed definition takes effect; the transaction hides the gap.
            statements.append("DROP POLICY IF EXISTS \(role) ON annals.\(table)")
            statements.append(
                "CREATE POLICY \(role) ON annals.\(table) TO \(role) "
                    + "USING (\(column) = \(quoteLiteral(projection))) WITH CHECK (\(column) = \(quoteLiteral(projection)))")
        }
        return statements
    }

    /// Row-level security on the shared tables: roles without a policy see and change none of their rows. Their
    /// owner (who migrates) and superusers are not subject to it.
    static let enableRowLevelSecurity = runtimeTables.map { "ALTER TABLE annals.\($0.table) ENABLE ROW LEVEL SECURITY" }

    /// A writer's privileges on one of its schemas.
    static func writerGrants(_ writer: String, schema: String) -> [String] {
        let role = quoteIdentifier(writer), schema = quoteIdentifier(schema)
        return [
            "GRANT USAGE ON SCHEMA \(schema) TO \(role)",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(schema) TO \(role)",
            "GRANT USAGE ON ALL SEQUENCES IN SCHEMA \(schema) TO \(role)",
        ]
    }

    /// The reader's privileges on a projection's schema.
    static func readerGrants(_ reader: String, schema: String) -> [String] {
        let role = quoteIdentifier(reader), schema = quoteIdentifier(schema)
        return [
            "GRANT USAGE ON SCHEMA \(schema) TO \(role)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \(schema) TO \(role)",
        ]
    }

    /// The reader's only right in the `annals` schema: asking what a projection's tables were built from.
    static func readerRuntimeGrants(_ reader: String) -> [String] {
        let role = quoteIdentifier(reader)
        return ["GRANT USAGE ON SCHEMA annals TO \(role)", "GRANT EXECUTE ON FUNCTION annals.data_version(text) TO \(role)"]
    }

    /// Creates `role` NOLOGIN unless it exists (roles are cluster-wide: another database may have made it).
    static func createRoleIfMissing(_ role: String, _ tx: PostgresConnection) throws {
        let exists = try tx.execute("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS present", [PostgresValue(role)])
        guard try exists.rows.first?.bool("present") != true else { return }
        let allowed = try tx.execute("SELECT rolsuper OR rolcreaterole AS allowed FROM pg_roles WHERE rolname = current_user")
        guard try allowed.rows.first?.bool("allowed") == true else {
            throw AccessRolesError.cannotCreateRoles(role: try MigrationRights.currentRole(tx))
        }
        try tx.execute("CREATE ROLE \(quoteIdentifier(role)) NOLOGIN")
    }

    static func record(role: String, access: String, projection: String?, _ tx: PostgresConnection) throws {
        try tx.execute(
            """
            INSERT INTO annals.access_roles (role, access, projection) VALUES ($1, $2, $3)
            ON CONFLICT (role) DO UPDATE SET access = EXCLUDED.access, projection = EXCLUDED.projection
            """,
            [PostgresValue(role), PostgresValue(access), projection.map { PostgresValue($0) }])
    }

    /// Recorded roles that still exist: the writer of `projection` and the reader.
    static func recorded(for projection: String, _ connection: PostgresConnection) throws -> (writers: [String], readers: [String]) {
        let present = try connection.execute("SELECT to_regclass('annals.access_roles') IS NOT NULL AS present")
        guard try present.rows.first?.bool("present") == true else { return ([], []) }
        let result = try connection.execute(
            """
            SELECT a.role, a.access FROM annals.access_roles a JOIN pg_roles r ON r.rolname = a.role
            WHERE a.projection = $1 OR a.access = 'read' ORDER BY a.role
            """,
            [PostgresValue(projection)])
        var writers: [String] = [], readers: [String] = []
        for row in result.rows {
            if try row.string("access") == "write" { writers.append(try row.string("role")) } else { readers.append(try row.string("role")) }
        }
        return (writers, readers)
    }

    /// The schemas among `names` that exist, in order.
    static func existingSchemas(_ names: [String], _ connection: PostgresConnection) throws -> [String] {
        let result = try connection.execute(
            "SELECT nspname::text AS name FROM pg_namespace WHERE nspname = ANY($1::text[])", [.textArray(names)])
        let present = Set(try result.rows.map { try $0.string("name") })
        return names.filter(present.contains)
    }

    /// The sequence behind `annals.dead_letters.id`, quoted, if any.
    static func deadLetterSequence(_ connection: PostgresConnection) throws -> String? {
        let result = try connection.execute("SELECT pg_get_serial_sequence('annals.dead_letters', 'id') AS sequence")
        return result.rows.first?.optionalString("sequence")
    }
}

extension AccessRoles {
    /// Creates the roles that are missing, records them, and grants each its privileges on the projections' schemas
    /// and on the shared `annals` tables (turning on row-level security there), in one transaction. Idempotent.
    /// Run it as the owner of the objects, after they are migrated: schemas that do not exist yet are skipped.
    public func apply(to projections: [any Projection], connection: PostgresConnection) throws -> [RoleGrant] {
        try connection.transaction { tx in
            try ProjectionMigrator.lockMigrations(tx)
            try tx.execute(AccessRolesSQL.registry)
            let sequence = try AccessRolesSQL.deadLetterSequence(tx)
            var grants: [RoleGrant] = []
            for projection in projections {
                let writer = writer(of: projection.name)
                try AccessRolesSQL.createRoleIfMissing(writer, tx)
                try AccessRolesSQL.record(role: writer, access: "write", projection: projection.name, tx)
                for statement in AccessRolesSQL.runtimeGrants(writer: writer, projection: projection.name, deadLetterSequence: sequence) {
                    try tx.execute(statement)
                }
                let schemas = try AccessRolesSQL.existingSchemas([projection.schema] + projection.auxiliarySchemas, tx)
                for schema in schemas {
                    for statement in AccessRolesSQL.writerGrants(writer, schema: schema) { try tx.execute(statement) }
                }
                grants.append(RoleGrant(role: writer, schemas: schemas, projection: projection.name))
            }
            try AccessRolesSQL.createRoleIfMissing(reader, tx)
            try AccessRolesSQL.record(role: reader, access: "read", projection: nil, tx)
            let readable = try AccessRolesSQL.existingSchemas(projections.map(\.schema), tx)
            for schema in readable {
                for statement in AccessRolesSQL.readerGrants(reader, schema: schema) { try tx.execute(statement) }
            }
            for statement in AccessRolesSQL.readerRuntimeGrants(reader) { try tx.execute(statement) }
            grants.append(RoleGrant(role: reader, schemas: readable, projection: nil))
            for statement in AccessRolesSQL.enableRowLevelSecurity { try tx.execute(statement) }
            return grants
        }
    }

    /// Grants the roles `apply` recorded their privileges on a projection's freshly (re)created tables: its writer
    /// on `schema` and `auxiliarySchemas`, the reader on `schema`. Does nothing where no roles were set up.
    /// Runs in the migration's transaction.
    static func regrant(_ projection: any Projection, schema: String, connection tx: PostgresConnection) throws {
        let (writers, readers) = try AccessRolesSQL.recorded(for: projection.name, tx)
        guard !writers.isEmpty || !readers.isEmpty else { return }
        let writable = try AccessRolesSQL.existingSchemas([schema] + projection.auxiliarySchemas, tx)
        for writer in writers {
            for schema in writable {
                for statement in AccessRolesSQL.writerGrants(writer, schema: schema) { try tx.execute(statement) }
            }
        }
        for reader in readers {
            for statement in AccessRolesSQL.readerGrants(reader, schema: schema) { try tx.execute(statement) }
        }
    }

    /// Grants the writer of `projection` its privileges on `schemas` after they were (re)created outside the
    /// projection's own migrations (the scaling worker's actuation tables). Does nothing where no roles were set up.
    public static func regrantWriter(of projection: String, schemas: [String], connection: PostgresConnection) throws {
        let writers = try AccessRolesSQL.recorded(for: projection, connection).writers
        guard !writers.isEmpty else { return }
        let schemas = try AccessRolesSQL.existingSchemas(schemas, connection)
        for writer in writers {
            for schema in schemas {
                for statement in AccessRolesSQL.writerGrants(writer, schema: schema) { try connection.execute(statement) }
            }
        }
    }
}

import Postgres

/// Whether the connected role may run DDL in some schemas. Postgres checks the privilege before looking for the
/// object, so even `CREATE … IF NOT EXISTS` on tables that exist fails for a role that does not own them: a
/// least-privilege worker must not try.
public enum MigrationRights {
    /// True when the role has the privileges of the owner of every schema in `schemas` that exists, and may create
    /// schemas in the database if one does not exist yet. Superusers and owners may; writer roles may not.
    public static func mayRunDDL(in schemas: [String], connection: PostgresConnection) throws -> Bool {
        let result = try connection.execute(
            """
            SELECT coalesce(bool_and(CASE WHEN n.oid IS NULL THEN has_database_privilege(current_database(), 'CREATE')
                                          ELSE pg_has_role(n.nspowner, 'USAGE') END), true) AS may
            FROM unnest($1::text[]) AS s(name) LEFT JOIN pg_namespace n ON n.nspname = s.name
            """,
            [.textArray(schemas)])
        return try result.rows.first?.bool("may") ?? false
    }

    /// A table privilege the role lacks, or a table that does not exist.
    public struct Shortfall: Equatable, Sendable, CustomStringConvertible {
        /// `schema.table`.
        public var table: String
        public var privilege: String
        public var tableExists: Bool

        public var description: String { tableExists ? "\(privilege) on \(table)" : "\(table) (missing)" }
    }

    /// Which of `needs` (table of `schema`, privilege) the role lacks, in order. Looks tables up by OID, so a role
    /// without USAGE on the schema gets an answer rather than "permission denied for schema".
    public static func shortfalls(schema: String, needs: [(table: String, privilege: String)],
                           connection: PostgresConnection) throws -> [Shortfall] {
        let result = try connection.execute(
            """
            SELECT t.name, t.privilege, c.oid IS NOT NULL AS present
            FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(name, privilege, position)
            LEFT JOIN pg_namespace n ON n.nspname = $1
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
            WHERE c.oid IS NULL OR NOT has_schema_privilege(n.oid, 'USAGE') OR NOT has_table_privilege(c.oid, t.privilege)
            ORDER BY t.position
            """,
            [PostgresValue(schema), .textArray(needs.map(\.table)), .textArray(needs.map(\.privilege))])
        return try result.rows.map {
            Shortfall(table: schema + "." + (try $0.string("name")), privilege: try $0.string("privilege"),
                      tableExists: try $0.bool("present"))
        }
    }

    /// The role the session acts as.
    public static func currentRole(_ connection: PostgresConnection) throws -> String {
        try connection.execute("SELECT current_user::text AS role").rows.first?.string("role") ?? "?"
    }
}

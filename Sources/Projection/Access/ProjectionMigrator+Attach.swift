import Postgres

extension ProjectionMigrator {
    /// The worker side of a least-privilege deployment: the role may not run DDL, so nothing is created or changed.
    /// Checks that an owner migrated the projection at this code's version and that the role may do a worker's work.
    static func attach(_ projection: any Projection, _ tx: PostgresConnection) throws -> Outcome {
        let role = try MigrationRights.currentRole(tx)
        func refuse(_ problem: String) -> ProjectionAccessError {
            ProjectionAccessError(projection: projection.name, role: role, problem: problem)
        }
        let runtime = try MigrationRights.shortfalls(schema: "annals", needs: workerNeeds, connection: tx)
        if runtime.contains(where: { !$0.tableExists }) { throw refuse("the annals runtime tables do not exist yet") }
        if !runtime.isEmpty { throw refuse("it lacks \(runtime.map(\.description).joined(separator: ", "))") }
        guard let stored = try storedVersion(of: projection, tx) else {
            throw refuse("the \(projection.name) tables have not been migrated (or annals.projections hides their row from it)")
        }
        guard stored == projection.version else {
            throw ProjectionError.versionMismatch(projection: projection.name, tables: stored, code: projection.version)
        }
        let tables = try MigrationRights.shortfalls(
            schema: projection.schema, needs: projection.tables.map { ($0, "INSERT") }, connection: tx)
        if !tables.isEmpty { throw refuse("it lacks \(tables.map(\.description).joined(separator: ", "))") }
        try projection.checkCompatibility(schema: projection.schema, connection: tx)
        return .upToDate
    }

    /// What a worker does to the runtime tables: reads its version, moves its checkpoints, records dead letters.
    private static let workerNeeds: [(table: String, privilege: String)] = [
        ("projections", "SELECT"), ("checkpoints", "SELECT"), ("checkpoints", "INSERT"), ("checkpoints", "UPDATE"),
        ("dead_letters", "INSERT"), ("dead_letters", "UPDATE"),
    ]
}

/// A worker whose database role may not run DDL found the projection not ready for it.
public struct ProjectionAccessError: RemediableError, Equatable, Sendable {
    public var projection: String
    /// The database role the worker connected as.
    public var role: String
    /// What is missing.
    public var problem: String

    public init(projection: String, role: String, problem: String) {
        self.projection = projection
        self.role = role
        self.problem = problem
    }

    public var description: String {
        "role \(role) may not create the \(projection) tables and \(problem)"
    }

    public var remedy: Remedy? { .migrateRolesAndGrantWriter(projection: projection, login: role) }
}

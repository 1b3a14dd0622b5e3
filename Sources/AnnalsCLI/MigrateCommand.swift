import ArgumentParser
import Postgres
import Projection
import Scaling

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the annals runtime tables and every projection's tables.",
        discussion: """
        Idempotent. Refuses tables built by another projection version (replay them instead). Run it as the role \
        that owns the tables. With --roles it also sets up least-privilege roles (NOLOGIN): <prefix>_<projection>_writer \
        for each projection, which may write only that projection's schemas and its own rows of the annals tables, and \
        <prefix>_reader, which may only read the projection schemas. Grant them to login roles, e.g. \
        `GRANT annals_story_writer TO story_worker`: workers running as such a role never run DDL, they check that \
        this command created what they need.
        """)

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Also create the least-privilege writer and reader roles and grant them their privileges (needs CREATEROLE).")
    var roles = false

    @Option(help: "Prefix of the role names, for several deployments sharing one PostgreSQL cluster.")
    var rolePrefix = AccessRoles.defaultPrefix

    func run() throws {
        let accessRoles: AccessRoles?
        do {
            accessRoles = roles ? try AccessRoles(prefix: rolePrefix) : nil
        } catch {
            throw CLIError("--role-prefix: \(error)")
        }
        if !roles && rolePrefix != AccessRoles.defaultPrefix { throw CLIError("--role-prefix only makes sense with --roles") }
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        let projections = try ProjectionCatalog.all()
        for projection in projections {
            switch try ProjectionMigrator.migrate(projection, connection: db) {
            case .created: print("\(projection.name): created tables (version \(projection.version))")
            case .upToDate: print("\(projection.name): up to date (version \(projection.version))")
            }
            // The scaling worker's record of what it did to the outside world lives beside its projection.
            if let scaling = projection as? ScalingProjection {
                try ActuationSQL(schema: scaling.actuationSchema).migrate(connection: db)
            }
        }
        guard let accessRoles else { return }
        for grant in try accessRoles.apply(to: projections, connection: db) {
            print("role \(grant)")
        }
        print("grant them to login roles, e.g. GRANT \(accessRoles.writer(of: "story")) TO story_worker;")
    }
}

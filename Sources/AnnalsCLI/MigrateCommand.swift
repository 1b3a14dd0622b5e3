import ArgumentParser
import Postgres
import Projection

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the annals runtime tables and every projection's tables.",
        discussion: "Idempotent. Refuses tables built by another projection version (replay them instead).")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        for projection in try ProjectionCatalog.all() {
            switch try ProjectionMigrator.migrate(projection, connection: db) {
            case .created: print("\(projection.name): created tables (version \(projection.version))")
            case .upToDate: print("\(projection.name): up to date (version \(projection.version))")
            }
        }
    }
}

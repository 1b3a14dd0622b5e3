import ArgumentParser
import Postgres
import Projection

struct ChecksumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checksum",
        abstract: "Print each table's row count and row-set checksum (equal checksums mean equal tables).")

    @Argument(help: "The projection, e.g. story.") var projection: String
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let projection = try ProjectionCatalog.named(projection)
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        for table in try TableChecksum.checksums(of: projection, connection: db) {
            print("\(projection.schema).\(table.table)\t\(table.rows)\t\(table.checksum)")
        }
    }
}

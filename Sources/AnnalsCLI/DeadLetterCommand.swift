import ArgumentParser
import Postgres

/// `annals dlq`: the dead letters of every projection, listed, shown and re-driven.
struct DeadLetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, show and re-drive dead letters: events a projection could not apply.",
        discussion: """
        A worker dead-letters an event it cannot decode, that breaks the contract, that is over --max-event-bytes, \
        or that the database refuses, keeping the raw message, and moves on. After a fix (to the code, or to what \
        it accepts), `annals dlq redrive <projection>` applies them through the projection's current code.
        """,
        subcommands: [DeadLetterListCommand.self, DeadLetterShowCommand.self, DeadLetterRedriveCommand.self])

    /// A connection, or an error saying the database cannot be reached and where its address comes from.
    static func connect(_ options: ConnectionOptions) throws -> PostgresConnection {
        do {
            return try PostgresConnection(conninfo: options.databaseConninfo)
        } catch let error as PostgresError where error.isConnectionError {
            throw CLIError("cannot reach the database: \(error.message)\n"
                + "Give its address with --database-url or DATABASE_URL (else libpq's PG* variables).")
        }
    }
}

import Postgres
import TestSupport

/// Runs `body` with a connection to a fresh database, dropped afterwards.
func withTestConnection<T>(_ prefix: String, _ body: (PostgresConnection) throws -> T) throws -> T {
    let database = try TestDatabase.create(prefix: prefix)
    defer { try? database.drop() }
    let connection = try database.connect()
    return try body(connection)
}

/// Text values that break naive quoting or COPY escaping.
let trickyStrings: [String] = [
    "",
    "plain",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "'single' and \"double\" quotes",
    "comma, separated, {braces}",
    "NULL",
    "null",
    "ünïcødé — 日本語 🦀",
    " leading and trailing spaces ",
    "\\x41",
    "ends with backslash\\",
]

/// Runs `body` with a fresh database (for tests that open more connections), dropped afterwards.
func withTestDatabase<T>(_ prefix: String, _ body: (TestDatabase, PostgresConnection) throws -> T) throws -> T {
    let database = try TestDatabase.create(prefix: prefix)
    defer { try? database.drop() }
    let connection = try database.connect()
    return try body(database, connection)
}

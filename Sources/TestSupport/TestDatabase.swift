import Foundation
import Postgres

/// A uniquely named database on a shared test server, so tests can run side by side; `drop()` removes it.
public struct TestDatabase: Sendable {
    /// The database name.
    public let name: String
    /// A conninfo for this database (same server, user and options as the server URL).
    public let url: String
    private let serverURL: String

    /// Creates a database on the server at ANNALS_TEST_DATABASE_URL (or DATABASE_URL).
    public static func create(prefix: String) throws -> TestDatabase {
        let environment = ProcessInfo.processInfo.environment
        guard let serverURL = environment["ANNALS_TEST_DATABASE_URL"] ?? environment["DATABASE_URL"], !serverURL.isEmpty
        else {
            throw TestSupportError(
                "no test database server: run `export ANNALS_TEST_DATABASE_URL=$(dev/postgres start)` "
                    + "(or set DATABASE_URL) before `swift test`")
        }
        return try create(prefix: prefix, serverURL: serverURL)
    }

    /// Creates a database on the server reachable through `serverURL` (any database on it).
    public static func create(prefix: String, serverURL: String) throws -> TestDatabase {
        let name = databaseName(prefix: prefix)
        let admin = try connectToServer(serverURL)
        try admin.execute("CREATE DATABASE \(quoted(name))")
        return TestDatabase(name: name, url: withDatabase(name, in: serverURL), serverURL: serverURL)
    }

    /// Opens a new connection to this database.
    public func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: url)
    }

    /// Terminates other sessions on this database and drops it, on a thread of its own: returns at once.
    ///
    /// DROP DATABASE waits until every backend of the server has absorbed a signal barrier, and a backend whose
    /// client another test has frozen (SIGSTOP) mid-COPY absorbs it only once that client is killed, by a task that
    /// needs the cooperative pool. Dropping on the pool's few threads could block them all and deadlock the run.
    /// Drops in flight are in `pendingDrops` (roles wait for them: `TestRoles.drop()`).
    public func drop() throws {
        let (name, serverURL) = (self.name, self.serverURL)
        Self.pendingDrops.enter()
        Thread {
            defer { Self.pendingDrops.leave() }
            try? Self.drop(name, serverURL: serverURL)
        }.start()
    }

    /// Database drops not finished yet.
    public static let pendingDrops = DispatchGroup()

    private static func drop(_ name: String, serverURL: String) throws {
        let admin = try connectToServer(serverURL)
        try admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            [PostgresValue(name)])
        try admin.execute("DROP DATABASE IF EXISTS \(quoted(name)) WITH (FORCE)")
    }

    private static func connectToServer(_ serverURL: String) throws -> PostgresConnection {
        do {
            return try PostgresConnection(conninfo: serverURL)
        } catch let error as PostgresError where error.isConnectionError {
            throw TestSupportError(
                "cannot reach the test database server \(redacted(serverURL)): \(error.message)\n"
                    + "start it with `export ANNALS_TEST_DATABASE_URL=$(dev/postgres start)`")
        }
    }

    /// `<prefix>_<random>`, lower-case letters, digits and underscores, within the 63-byte identifier limit.
    static func databaseName(prefix: String) -> String {
        let cleaned = prefix.lowercased().unicodeScalars.map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        }
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "t_" + String(cleaned.prefix(40)) + "_" + suffix
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The same conninfo pointing at another database: replaces a URL's path, or appends dbname= to key=value form.
    static func withDatabase(_ name: String, in conninfo: String) -> String {
        guard let scheme = conninfo.range(of: "://"),
            conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://")
        else {
            return conninfo.isEmpty ? "dbname=\(name)" : conninfo + " dbname=\(name)"
        }
        let rest = conninfo[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let afterAuthority = rest[authorityEnd...]
        let query = afterAuthority.firstIndex(of: "?").map { String(afterAuthority[$0...]) } ?? ""
        return String(conninfo[..<authorityEnd]) + "/" + name + query
    }
}

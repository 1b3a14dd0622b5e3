import Foundation
import Postgres
import TestSupport

/// A uniquely named database on the server at `ANNALS_TEST_DATABASE_URL`, dropped by `drop()`.
/// (Stands in for TestSupport's `TestDatabase` from the postgres branch until it lands.)
struct ScratchDatabase: Sendable {
    let name: String
    let url: String
    private let serverURL: String

    static func create(prefix: String, serverURL: String? = nil) throws -> ScratchDatabase {
        let environment = ProcessInfo.processInfo.environment
        guard let server = serverURL ?? environment["ANNALS_TEST_DATABASE_URL"] ?? environment["DATABASE_URL"], !server.isEmpty
        else {
            throw TestSupportFailure(
                "no test database server: run `export ANNALS_TEST_DATABASE_URL=$(dev/postgres start --port 54350)` before `swift test`")
        }
        let name = "t_" + prefix.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" }.prefix(30) + "_"
            + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try PostgresConnection(conninfo: server).execute("CREATE DATABASE \"\(name)\"")
        return ScratchDatabase(name: name, url: withDatabase(name, in: server), serverURL: server)
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: url)
    }

    func drop() throws {
        try PostgresConnection(conninfo: serverURL).execute("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
    }

    /// The same URL with another database name (URLs only: that is what `dev/postgres` prints).
    private static func withDatabase(_ name: String, in url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url + " dbname=\(name)" }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let query = rest[authorityEnd...].firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return String(url[..<authorityEnd]) + "/" + name + query
    }
}

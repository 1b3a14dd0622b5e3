import Foundation
import Postgres

/// Cluster-wide roles for one test, all named `<prefix>_…` under a unique prefix so tests sharing a server never
/// meet. `drop()` removes every role of the prefix: drop the test's databases first, since their grants keep roles
/// alive.
public struct TestRoles: Sendable {
    /// `t<random>`: a plain lower-case identifier.
    public let prefix: String
    private let serverURL: String

    /// Roles on the server at ANNALS_TEST_DATABASE_URL (or DATABASE_URL).
    public init() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let serverURL = environment["ANNALS_TEST_DATABASE_URL"] ?? environment["DATABASE_URL"], !serverURL.isEmpty else {
            throw TestSupportError("no test database server: set ANNALS_TEST_DATABASE_URL before `swift test`")
        }
        self.init(serverURL: serverURL)
    }

    /// Roles on the server reachable through `serverURL`.
    public init(serverURL: String) {
        self.serverURL = serverURL
        prefix = "t" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Creates `<prefix>_<name>` with LOGIN (no password: the test server trusts local connections), member of
    /// `roles`; returns its name.
    @discardableResult
    public func createLogin(_ name: String, memberOf roles: [String] = []) throws -> String {
        let login = "\(prefix)_\(name)"
        let admin = try PostgresConnection(conninfo: serverURL)
        try admin.execute("CREATE ROLE \(TestDatabase.quoted(login)) LOGIN")
        for role in roles {
            try admin.execute("GRANT \(TestDatabase.quoted(role)) TO \(TestDatabase.quoted(login))")
        }
        return login
    }

    /// Drops every role named `<prefix>_…`, on a thread of its own once the database drops in flight have finished
    /// (a role holding grants in a database cannot go before it): returns at once. See `TestDatabase.drop()`.
    public func drop() throws {
        let (prefix, serverURL) = (self.prefix, self.serverURL)
        Thread {
            _ = TestDatabase.pendingDrops.wait(timeout: .now() + 300)
            try? Self.drop(prefix: prefix, serverURL: serverURL)
        }.start()
    }

    private static func drop(prefix: String, serverURL: String) throws {
        let admin = try PostgresConnection(conninfo: serverURL)
        let names = try admin.execute(
            "SELECT rolname::text AS name FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname", [PostgresValue(prefix + "_")])
            .rows.map { try $0.string("name") }
        for name in names {
            try admin.execute("DROP ROLE IF EXISTS \(TestDatabase.quoted(name))")
        }
    }
}

extension TestDatabase {
    /// A conninfo for this database as `user` (no password).
    public func url(as user: String) -> String {
        Self.withUser(user, in: url)
    }

    /// The same conninfo with another user: replaces a URL's user information, or appends user= to key=value form.
    static func withUser(_ user: String, in conninfo: String) -> String {
        guard let scheme = conninfo.range(of: "://"),
            conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://")
        else {
            return conninfo + " user=\(user)"
        }
        let rest = conninfo[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let host = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        let encoded = user.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "_.-"))) ?? user
        return String(conninfo[..<scheme.upperBound]) + encoded + "@" + host + rest[authorityEnd...]
    }
}

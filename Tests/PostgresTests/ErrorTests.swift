import Postgres
import Testing

@Suite struct ErrorTests {
    @Test func uniqueViolationCarriesSQLStateAndServerMessage() throws {
        try withTestConnection("unique") { db in
            try db.execute("CREATE TABLE u (id int PRIMARY KEY)")
            try db.execute("INSERT INTO u VALUES ($1)", [1])
            let error = #expect(throws: PostgresError.self) { try db.execute("INSERT INTO u VALUES ($1)", [1]) }
            #expect(error?.code == .server)
            #expect(error?.sqlState == "23505")
            #expect(error?.isUniqueViolation == true)
            #expect(error?.isConnectionError == false)
            #expect(error?.message.contains("duplicate key value violates unique constraint") == true)
            #expect(error?.constraint == "u_pkey")
            #expect(error?.detail?.contains("(id)=(1)") == true)
            #expect(error?.description.contains("23505") == true)
            // The connection stays usable after a statement error.
            #expect(try db.execute("SELECT count(*) AS n FROM u").rows[0].int("n") == 1)
        }
    }

    @Test func connectionRefusedIsClearAndHidesThePassword() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(conninfo: "postgres://u:s3cret@127.0.0.1:1/x")
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isConnectionError == true)
        #expect(error?.description.contains("s3cret") == false)
        #expect(error?.debugDescription.contains("s3cret") == false)
        #expect(error?.description.contains("127.0.0.1") == true)
    }

    @Test func malformedConninfoDoesNotEchoThePassword() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(conninfo: "postgres://u:s3%zzcret@127.0.0.1:1/x")
        }
        #expect(error?.description.contains("zzcret") == false)
    }

    @Test func killedBackendIsAConnectionErrorAndReconnectRecovers() throws {
        try withTestDatabase("killed") { database, db in
            let victim = try database.connect()
            let pid = victim.backendPID
            try db.execute("SELECT pg_terminate_backend($1)", [.int(pid)])
            let error = #expect(throws: PostgresError.self) { try victim.execute("SELECT 1") }
            #expect(error?.isConnectionError == true)
            #expect(error?.code == .connectionLost)
            #expect(!victim.isHealthy)
            // Further use fails fast with the same kind of error rather than crashing.
            #expect(throws: PostgresError.self) { try victim.execute("SELECT 1") }
            try victim.reconnect()
            #expect(victim.isHealthy)
            #expect(victim.backendPID != pid)
            #expect(try victim.execute("SELECT 41 + 1 AS n").rows[0].int("n") == 42)
        }
    }

    @Test func nulByteInParameterIsRejectedBeforeSending() throws {
        try withTestConnection("nul") { db throws in
            let error = #expect(throws: PostgresError.self) { try db.execute("SELECT $1::text", ["a\u{0}b"]) }
            #expect(error?.code == .invalidValue)
            #expect(try db.execute("SELECT 1 AS one").rows[0].int("one") == 1)
        }
    }
}

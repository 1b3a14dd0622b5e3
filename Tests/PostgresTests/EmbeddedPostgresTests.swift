import Postgres
import Testing
import TestSupport

@Suite struct EmbeddedPostgresTests {
    @Test func dataSurvivesAStopAndStart() throws {
        let server = try EmbeddedPostgres()
        let connection = try PostgresConnection(conninfo: server.url)
        try connection.execute("CREATE TABLE kept (v text)")
        try connection.execute("INSERT INTO kept VALUES ($1)", ["before restart"])

        try server.stop()
        let error = #expect(throws: PostgresError.self) { try connection.execute("SELECT 1") }
        #expect(error?.isConnectionError == true)
        let refused = #expect(throws: PostgresError.self) { try connection.reconnect() }
        #expect(refused?.code == .connectionFailed)

        try server.start()
        try connection.reconnect()
        #expect(try connection.execute("SELECT v FROM kept").rows[0].string("v") == "before restart")
    }
}

import Postgres
import Testing

@Suite struct PipelineTests {
    @Test func resultsComeBackInOrder() throws {
        try withTestConnection("pipeline") { db in
            try db.execute("CREATE TABLE p (id int PRIMARY KEY, v text)")
            var statements: [(sql: String, parameters: [PostgresValue?])] = (0..<500).map {
                ("INSERT INTO p VALUES ($1, $2)", [.int($0), PostgresValue("v\($0)")])
            }
            statements.append(("SELECT count(*) AS n FROM p", []))
            statements.append(("SELECT $1::text AS echo", ["last"]))
            let results = try db.pipeline(statements)
            #expect(results.count == 502)
            #expect(results[0].affectedRows == 1)
            #expect(try results[500].rows[0].int("n") == 500)
            #expect(try results[501].rows[0].string("echo") == "last")
            #expect(try db.pipeline([]).isEmpty)
            // Back in normal mode afterwards.
            #expect(try db.execute("SELECT 2 AS two").rows[0].int("two") == 2)
        }
    }

    @Test func anErrorInTheMiddleIsThrownAfterDrainingAndRollsBackThePipeline() throws {
        try withTestConnection("pipeline_error") { db in
            try db.execute("CREATE TABLE p (id int PRIMARY KEY)")
            let error = #expect(throws: PostgresError.self) {
                try db.pipeline([
                    ("INSERT INTO p VALUES ($1)", [1]),
                    ("INSERT INTO p VALUES ($1)", [1]),
                    ("INSERT INTO p VALUES ($1)", [3]),
                ])
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.statementIndex == 1)
            // One implicit transaction: the first insert is rolled back, the third never ran.
            #expect(try db.execute("SELECT count(*) AS n FROM p").rows[0].int("n") == 0)
            let ok = try db.pipeline([("INSERT INTO p VALUES ($1)", [7]), ("SELECT id FROM p", [])])
            #expect(try ok[1].rows[0].int("id") == 7)
        }
    }

    @Test func insideATransactionThePipelineJoinsIt() throws {
        try withTestConnection("pipeline_tx") { db in
            try db.execute("CREATE TABLE p (id int)")
            struct Abort: Error {}
            #expect(throws: Abort.self) {
                try db.transaction { tx in
                    _ = try tx.pipeline([("INSERT INTO p VALUES (1)", []), ("INSERT INTO p VALUES (2)", [])])
                    throw Abort()
                }
            }
            #expect(try db.execute("SELECT count(*) AS n FROM p").rows[0].int("n") == 0)
        }
    }

    /// Prepared statements are prepared once per session and run by name afterwards, with the same results; a
    /// statement that fails is prepared afresh; the error names the statement, not the preparation.
    @Test func preparedStatementsArePreparedOncePerSession() throws {
        try withTestConnection("pipeline_prepared") { db in
            try db.execute("CREATE TABLE p (id int PRIMARY KEY, v text)")
            let insert = "INSERT INTO p VALUES ($1, $2)"
            let select = "SELECT v FROM p WHERE id = $1"
            func preparations() throws -> [String] {
                try db.execute("SELECT statement FROM pg_prepared_statements ORDER BY name").rows.map { try $0.string("statement") }
            }
            let first = try db.pipeline([(insert, [1, PostgresValue("one")]), (insert, [2, PostgresValue("two")]), (select, [2])],
                                        prepared: true)
            #expect(try first[2].rows[0].string("v") == "two")
            #expect(try preparations() == [insert, select], "each statement prepared once, the repeated one too")
            let second = try db.pipeline([(select, [1]), (select, [2])], prepared: true)
            #expect(try second.map { try $0.rows[0].string("v") } == ["one", "two"])
            #expect(try preparations() == [insert, select], "run by name, not prepared again")

            let duplicate = #expect(throws: PostgresError.self) {
                try db.pipeline([(select, [1]), (insert, [1, PostgresValue("again")])], prepared: true)
            }
            #expect(duplicate?.sqlState == "23505")
            #expect(duplicate?.statementIndex == 1)
            _ = try db.pipeline([(insert, [3, PostgresValue("three")])], prepared: true)
            #expect(try preparations().filter { $0 == insert }.count == 2, "the failed statement was prepared afresh")

            let broken = #expect(throws: PostgresError.self) {
                try db.pipeline([(select, [1]), ("SELECT nope FROM p WHERE id = $1", [1])], prepared: true)
            }
            #expect(broken?.sqlState == "42703")
            #expect(broken?.statementIndex == 1, "the statement whose preparation failed")
            #expect(try db.pipeline([(select, [3])], prepared: true)[0].rows[0].string("v") == "three")
        }
    }
}

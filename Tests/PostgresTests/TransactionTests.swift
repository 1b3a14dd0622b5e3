import Postgres
import Testing

private struct Boom: Error {}

@Suite struct TransactionTests {
    @Test func commitsWhenTheBodyReturns() throws {
        try withTestConnection("tx_commit") { db in
            try db.execute("CREATE TABLE t (id int)")
            let value = try db.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (1), (2)")
                return "done"
            }
            #expect(value == "done")
            #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 2)
            #expect(!db.isInTransaction)
        }
    }

    @Test func rollsBackAndRethrowsWhenTheBodyThrows() throws {
        try withTestConnection("tx_rollback") { db in
            try db.execute("CREATE TABLE t (id int)")
            #expect(throws: Boom.self) {
                try db.transaction { tx in
                    try tx.execute("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            #expect(!db.isInTransaction)
            #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)
        }
    }

    @Test func aSwallowedStatementErrorDoesNotLookLikeACommit() throws {
        try withTestConnection("tx_swallowed") { db in
            try db.execute("CREATE TABLE t (id int PRIMARY KEY)")
            #expect(throws: PostgresError.self) {
                try db.transaction { tx in
                    try tx.execute("INSERT INTO t VALUES (1)")
                    _ = try? tx.execute("INSERT INTO t VALUES (1)")
                }
            }
            #expect(try db.execute("SELECT count(*) AS n FROM t").rows[0].int("n") == 0)
        }
    }

    @Test func nestedTransactionsUseSavepoints() throws {
        try withTestConnection("tx_nested") { db in
            try db.execute("CREATE TABLE t (id int)")
            try db.transaction { tx in
                try tx.execute("INSERT INTO t VALUES (1)")
                #expect(throws: Boom.self) {
                    try tx.transaction { inner in
                        try inner.execute("INSERT INTO t VALUES (2)")
                        throw Boom()
                    }
                }
                try tx.transaction { inner in try inner.execute("INSERT INTO t VALUES (3)") }
            }
            #expect(try db.execute("SELECT array_agg(id ORDER BY id)::text AS ids FROM t").rows[0].string("ids") == "{1,3}")
        }
    }
}

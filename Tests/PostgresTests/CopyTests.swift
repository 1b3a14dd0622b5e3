import Postgres
import Testing

@Suite struct CopyTests {
    @Test func trickyValuesRoundTripExactly() throws {
        try withTestConnection("copy") { db in
            try db.execute("CREATE TABLE c (id int, body text, tags text[], blob bytea)")
            var rows: [[PostgresValue?]] = trickyStrings.enumerated().map { index, text in
                [.int(index), PostgresValue(text), .textArray([text, "x"]), .bytea(Array(text.utf8))]
            }
            rows.append([.int(trickyStrings.count), nil, nil, nil])
            let copied = try db.copy(into: "COPY c (id, body, tags, blob) FROM STDIN", rows: rows)
            #expect(copied == rows.count)
            let result = try db.execute("SELECT body, tags[1] AS tag, blob FROM c ORDER BY id")
            #expect(result.rows.count == rows.count)
            for (index, text) in trickyStrings.enumerated() {
                let row = result.rows[index]
                #expect(try row.string("body") == text)
                #expect(try row.string("tag") == text)
                #expect(try row.bytes("blob") == Array(text.utf8))
            }
            #expect(result.rows.last?["body"] == nil)
        }
    }

    @Test func manyRowsSpanSeveralChunks() throws {
        try withTestConnection("copy_many") { db in
            try db.execute("CREATE TABLE c (id bigint, body text)")
            let rows = (0..<20_000).lazy.map { (i: Int) -> [PostgresValue?] in [PostgresValue.int(i), PostgresValue("row \(i) with some text")] }
            #expect(try db.copy(into: "COPY c FROM STDIN", rows: rows) == 20_000)
            #expect(try db.execute("SELECT sum(id) AS s FROM c").rows[0].int64("s") == Int64(19_999 * 20_000 / 2))
        }
    }

    @Test func aBadRowAbortsTheWholeCopyAndTheConnectionStaysUsable() throws {
        try withTestConnection("copy_bad") { db in
            try db.execute("CREATE TABLE c (id int NOT NULL)")
            let error = #expect(throws: PostgresError.self) {
                try db.copy(into: "COPY c FROM STDIN", rows: [[.int(1)], ["not a number"], [.int(3)]])
            }
            #expect(error?.sqlState == "22P02")
            let nul = #expect(throws: PostgresError.self) {
                try db.copy(into: "COPY c FROM STDIN", rows: [[.int(1)], ["\u{0}"]])
            }
            #expect(nul?.code == .invalidValue)
            #expect(try db.execute("SELECT count(*) AS n FROM c").rows[0].int("n") == 0)
            let notCopy = #expect(throws: PostgresError.self) { try db.copy(into: "SELECT 1", rows: [[.int(1)]]) }
            #expect(notCopy?.code == .copy)
            #expect(try db.execute("SELECT 1 AS one").rows[0].int("one") == 1)
        }
    }
}

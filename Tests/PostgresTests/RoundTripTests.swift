import Foundation
import Postgres
import Testing

/// Values written with PostgresValue come back unchanged through PostgresRow.
@Suite struct RoundTripTests {
    @Test func typedScalarsRoundTrip() throws {
        try withTestConnection("roundtrip") { db in
            let row = try #require(
                db.execute(
                    "SELECT $1::bigint AS big, $2::int AS small, $3::float8 AS d, $4::float8 AS nan, $5::bool AS yes,"
                        + " $6::bool AS no, $7::bytea AS blob, $8::float8 AS inf",
                    [.int(Int64.min), .int(Int32.max), .double(0.1), .double(.nan), .bool(true), .bool(false),
                     .bytea([0, 1, 0x7F, 0x80, 0xFF]), .double(-.infinity)]
                ).first)
            #expect(try row.int64("big") == Int64.min)
            #expect(try row.int("small") == Int(Int32.max))
            #expect(try row.double("d") == 0.1)
            #expect(try row.double("nan").isNaN)
            #expect(try row.double("inf") == -.infinity)
            #expect(try row.bool("yes"))
            #expect(try !row.bool("no"))
            #expect(try row.bytes("blob") == [0, 1, 0x7F, 0x80, 0xFF])
        }
    }

    @Test func trickyTextRoundTripsThroughParameters() throws {
        try withTestConnection("text") { db in
            for text in trickyStrings {
                let row = try #require(db.execute("SELECT $1::text AS t, length($1::text) AS n", [PostgresValue(text)]).first)
                #expect(try row.string("t") == text)
                #expect(try row.int("n") == text.count)
            }
        }
    }

    @Test func textArrayKeepsEveryElement() throws {
        try withTestConnection("arrays") { db in
            let result = try db.execute(
                "SELECT unnest($1::text[]) AS element, array_length($1::text[], 1) AS n, ($2::bigint[])[3] AS third",
                [.textArray(trickyStrings), .int64Array([10, -20, Int64.max])])
            #expect(result.rows.map { $0["element"] } == trickyStrings.map { Optional($0) })
            #expect(try result.rows[0].int("n") == trickyStrings.count)
            #expect(try result.rows[0].int64("third") == Int64.max)
            let empty = try db.execute("SELECT cardinality($1::text[]) AS n", [.textArray([])])
            #expect(try empty.rows[0].int("n") == 0)
        }
    }

    @Test func timestampsKeepMicroseconds() throws {
        try withTestConnection("timestamps") { db in
            let micros: Int64 = 1_718_454_245_123_456
            let row = try #require(
                db.execute(
                    "SELECT (extract(epoch FROM $1::timestamptz) * 1000000)::bigint AS a,"
                        + " (extract(epoch FROM $2::timestamptz) * 1000000)::bigint AS b,"
                        + " (extract(epoch FROM $3::timestamptz) * 1000000)::bigint AS c",
                    [.timestamp(microsecondsSinceEpoch: micros),
                     .timestamp(Date(timeIntervalSince1970: 1_700_000_000.25)),
                     .timestamp(microsecondsSinceEpoch: -1)]
                ).first)
            #expect(try row.int64("a") == micros)
            #expect(try row.int64("b") == 1_700_000_000_250_000)
            #expect(try row.int64("c") == -1)
        }
    }

    @Test func nullsAreNilAndDecodingNamesTheColumn() throws {
        try withTestConnection("nulls") { db in
            let result = try db.execute("SELECT $1::text AS missing, 'x'::text AS present, 'abc' AS word", [nil])
            let row = try #require(result.first)
            #expect(result.columns == ["missing", "present", "word"])
            #expect(row["missing"] == nil)
            #expect(row[0] == nil)
            #expect(row.isNull("missing"))
            #expect(row.optionalString("present") == "x")
            let nullError = #expect(throws: PostgresError.self) { try row.string("missing") }
            #expect(nullError?.code == .decoding)
            #expect(nullError?.message.contains("missing") == true)
            let typeError = #expect(throws: PostgresError.self) { try row.int64("word") }
            #expect(typeError?.message.contains("word") == true)
            let unknown = #expect(throws: PostgresError.self) { try row.string("nope") }
            #expect(unknown?.message.contains("nope") == true)
        }
    }

    @Test func affectedRowsAndScripts() throws {
        try withTestConnection("affected") { db in
            try db.executeScript(
                """
                CREATE TABLE t (id int PRIMARY KEY, v text);
                INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
                """)
            #expect(try db.execute("UPDATE t SET v = v || '!' WHERE id >= $1", [2]).affectedRows == 2)
            #expect(try db.execute("DELETE FROM t").affectedRows == 3)
            #expect(db.serverVersion >= 150000)
        }
    }

    @Test func pgvectorIsAvailable() throws {
        try withTestConnection("vector") { db in
            try db.execute("CREATE EXTENSION IF NOT EXISTS vector")
            let row = try #require(db.execute("SELECT '[1,2,3]'::vector <-> '[1,2,5]'::vector AS distance").first)
            #expect(try row.double("distance") == 2)
        }
    }
}

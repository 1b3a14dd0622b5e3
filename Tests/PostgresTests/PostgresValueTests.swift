import Foundation
import Postgres
import Testing

/// Encoders that need no server.
@Suite struct PostgresValueTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (Int64(1), "1970-01-01T00:00:00.000001Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999Z"),
        (Int64(951_782_400_000_000), "2000-02-29T00:00:00.000000Z"),
        (Int64(1_718_454_245_123_456), "2024-06-15T12:24:05.123456Z"),
    ])
    func timestampFormatsMicrosecondsInUTC(micros: Int64, expected: String) {
        #expect(PostgresValue.timestamp(microsecondsSinceEpoch: micros).text == expected)
    }

    @Test func textArrayQuotesEveryElement() {
        #expect(PostgresValue.textArray([]).text == "{}")
        #expect(PostgresValue.textArray(["a", "b,c", "NULL", "q\"uote", "back\\slash"]).text
            == #"{"a","b,c","NULL","q\"uote","back\\slash"}"#)
    }

    @Test func scalarEncodings() {
        #expect(PostgresValue.int(-42).text == "-42")
        #expect(PostgresValue.int(UInt8(7)).text == "7")
        #expect(PostgresValue.bool(true).text == "true")
        #expect(PostgresValue.double(.nan).text == "NaN")
        #expect(PostgresValue.double(-.infinity).text == "-Infinity")
        #expect(PostgresValue.bytea([0x00, 0xAB, 0xFF]).text == "\\x00abff")
        #expect(PostgresValue.int64Array([1, -2, Int64.max]).text == "{1,-2,9223372036854775807}")
        let literal: PostgresValue = 12
        #expect(literal.text == "12")
    }
}

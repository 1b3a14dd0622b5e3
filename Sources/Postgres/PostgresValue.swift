#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parameter value in PostgreSQL's text format; the server infers its type from the statement.
public struct PostgresValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The text-format representation sent to the server.
    public var text: String

    /// A value from its text-format representation.
    public init(_ text: String) { self.text = text }

    /// A value from a string literal.
    public init(stringLiteral value: String) { self.text = value }

    /// A value from an integer literal.
    public init(integerLiteral value: Int64) { self.text = String(value) }

    public var description: String { text }

    /// Any integer.
    public static func int(_ v: some BinaryInteger) -> PostgresValue { PostgresValue(String(v)) }

    /// A double; NaN and infinities use PostgreSQL's spelling.
    public static func double(_ v: Double) -> PostgresValue {
        if v.isNaN { return PostgresValue("NaN") }
        if v.isInfinite { return PostgresValue(v < 0 ? "-Infinity" : "Infinity") }
        return PostgresValue("\(v)")
    }

    /// A boolean.
    public static func bool(_ v: Bool) -> PostgresValue { PostgresValue(v ? "true" : "false") }

    /// A bytea in `\x` hex form.
    public static func bytea(_ bytes: [UInt8]) -> PostgresValue {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return PostgresValue(String(decoding: out, as: UTF8.self))
    }

    /// A text[] literal; every element is quoted, so commas, quotes, braces and "NULL" stay plain strings.
    public static func textArray(_ v: [String]) -> PostgresValue {
        // Byte-wise: `"` and `\` are ASCII and never occur inside a multi-byte UTF-8 sequence.
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(2 + v.reduce(0) { $0 + $1.utf8.count + 3 })
        for (index, element) in v.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return PostgresValue(String(decoding: out, as: UTF8.self))
    }

    /// A bigint[] literal.
    public static func int64Array(_ v: [Int64]) -> PostgresValue {
        PostgresValue("{" + v.map(String.init).joined(separator: ",") + "}")
    }

    /// A float8[] literal; NaN and infinities use PostgreSQL's spelling.
    public static func doubleArray(_ v: [Double]) -> PostgresValue {
        PostgresValue("{" + v.map { double($0).text }.joined(separator: ",") + "}")
    }

    /// A timestamptz as ISO-8601 UTC with microseconds (rounded to the nearest microsecond).
    public static func timestamp(_ date: Date) -> PostgresValue {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        // Out of Int64 range only for absurd dates; clamp rather than trap.
        let clamped = min(max(micros, Double(Int64.min / 2)), Double(Int64.max / 2))
        return timestamp(microsecondsSinceEpoch: Int64(clamped))
    }

    /// A timestamptz from microseconds since 1970-01-01 UTC.
    public static func timestamp(microsecondsSinceEpoch: Int64) -> PostgresValue {
        let perDay: Int64 = 86_400_000_000
        var days = microsecondsSinceEpoch / perDay
        var rest = microsecondsSinceEpoch % perDay
        if rest < 0 {
            rest += perDay
            days -= 1
        }
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        // PostgreSQL spells years before 1 AD with a BC suffix (year 0 is 1 BC).
        let shownYear = year <= 0 ? 1 - year : year
        // Written digit by digit: this runs for every timestamp of every COPY row.
        var out: [UInt8] = []
        out.reserveCapacity(32)
        func pad(_ value: Int64, _ width: Int) {
            if value >= 0 && width <= 6 && value < 1_000_000 {
                var divisor: Int64 = 1
                var digits = 1
                while digits < width || value >= divisor * 10 {
                    divisor *= 10
                    digits += 1
                }
                var rest = value
                while divisor > 0 {
                    out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                    rest %= divisor
                    divisor /= 10
                }
            } else {
                let digits = String(value)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, width - digits.count)))
                out.append(contentsOf: digits.utf8)
            }
        }
        pad(shownYear, 4)
        out.append(UInt8(ascii: "-"))
        pad(month, 2)
        out.append(UInt8(ascii: "-"))
        pad(day, 2)
        out.append(UInt8(ascii: "T"))
        pad(seconds / 3600, 2)
        out.append(UInt8(ascii: ":"))
        pad(seconds / 60 % 60, 2)
        out.append(UInt8(ascii: ":"))
        pad(seconds % 60, 2)
        out.append(UInt8(ascii: "."))
        pad(fraction, 6)
        out.append(UInt8(ascii: "Z"))
        if year <= 0 { out.append(contentsOf: " BC".utf8) }
        return PostgresValue(String(decoding: out, as: UTF8.self))
    }

    /// Proleptic Gregorian date from days since 1970-01-01 (Howard Hinnant's civil_from_days).
    private static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

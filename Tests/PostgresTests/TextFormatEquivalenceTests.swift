import Testing
@testable import Postgres

/// The byte-level text encoders must produce exactly what the previous String-based ones did.
@Suite struct TextFormatEquivalenceTests {
    // MARK: References: the previous implementations, verbatim.

    static func referenceTextArray(_ v: [String]) -> String {
        var out = "{"
        for (index, element) in v.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { out += "\\" }
                out.unicodeScalars.append(character)
            }
            out += "\""
        }
        return out + "}"
    }

    static func referenceTimestamp(_ microsecondsSinceEpoch: Int64) -> String {
        let perDay: Int64 = 86_400_000_000
        var days = microsecondsSinceEpoch / perDay
        var rest = microsecondsSinceEpoch % perDay
        if rest < 0 {
            rest += perDay
            days -= 1
        }
        let z = days + 719_468
        let era0 = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era0 * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era0 * 400 + (month <= 2 ? 1 : 0)
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let era = year <= 0 ? " BC" : ""
        let shownYear = year <= 0 ? 1 - year : year
        return "\(pad(shownYear, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2))"
            + ":\(pad(seconds % 60, 2)).\(pad(fraction, 6))Z\(era)"
    }

    static func referenceEscaped(_ text: String) -> [UInt8]? {
        var buffer: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): buffer += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): buffer += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): buffer += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0: return nil
            default: buffer.append(byte)
            }
        }
        return buffer
    }

    static let strings = [
        "", "plain", "a\"quote", "back\\slash", "\\\"", "tab\there", "new\nline", "cr\rlf\r\n", "NULL", "{braces},comma",
        "ünïcödé — 世界 🐉", "\"\u{1F409}\\", "trailing\\", "\t", "nul\u{0}byte", String(repeating: "x\\y", count: 300),
    ]

    @Test func textArrayMatchesReference() {
        var inputs: [[String]] = [[], [""], Self.strings]
        inputs += Self.strings.map { [$0] }
        inputs += zip(Self.strings, Self.strings.reversed()).map { [$0, $1] }
        for input in inputs {
            #expect(PostgresValue.textArray(input).text == Self.referenceTextArray(input), "\(input)")
        }
    }

    @Test func timestampMatchesReference() {
        var micros: [Int64] = [
            0, 1, -1, 999_999, 1_000_000, -1_000_000, 86_400_000_000, -86_400_000_000, 1_767_225_600_123_456,
            -62_135_596_800_000_000, -62_135_596_800_000_001, -62_167_219_200_000_000, 253_402_300_799_999_999,
            253_402_300_800_000_000, 3_000_000_000_000_000_000, -3_000_000_000_000_000_000,
        ]
        var state: UInt64 = 0x1234_5678
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            micros.append(Int64(bitPattern: state) % 400_000_000_000_000_000)
        }
        for value in micros {
            #expect(PostgresValue.timestamp(microsecondsSinceEpoch: value).text == Self.referenceTimestamp(value), "\(value)")
        }
    }

    @Test func copyEscapingMatchesReference() {
        for text in Self.strings {
            var buffer: [UInt8] = [7]
            let ok = PostgresConnection.appendEscaped(text, to: &buffer)
            if let expected = Self.referenceEscaped(text) {
                #expect(ok)
                #expect(buffer == [7] + expected, "\(text)")
            } else {
                #expect(!ok, "\(text)")
            }
        }
    }
}

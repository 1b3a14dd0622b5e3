/// Finds IPv6 addresses.
///
/// Rule: hexadecimal groups of 1–4 digits separated by colons, either all eight groups
/// ("2001:0db8:85a3:0000:0000:8a2e:0370:7334") or a `::`-compressed form with at most seven
/// groups ("2001:db8::1", "::1", "fe80::"); the last two groups may be written as an IPv4
/// dotted quad ("::ffff:192.0.2.128"). Compressed forms must contain a decimal digit so
/// code-like scope operators such as "A::B" stay. Times ("14:30", "14:30:00"), MAC
/// addresses (six groups) and a lone "::" never match. A zone ("%eth0"), port ("]:443") or
/// sentence-ending dot or colon after the address is kept as text.
enum IPv6Recognizer {
    /// The longest textual IPv6 address (eight groups with an IPv4 tail) is 45 bytes.
    private static let maximumLength = 45

    static func match(in text: ASCIIText, at start: Int) -> Range<Int>? {
        let colon = UInt8(ascii: ":")
        let dot = UInt8(ascii: ".")
        let previous = text[start - 1]
        guard !previous.isASCIIAlphanumeric, previous != colon, previous != dot else { return nil }
        let first = text[start]
        guard first.isASCIIHexDigit || (first == colon && text[start + 1] == colon) else { return nil }

        var end = start
        while text[end].isASCIIHexDigit || text[end] == colon || text[end] == dot {
            end += 1
            if end - start > maximumLength + 2 { return nil }
        }
        // "fe80::1g" is not an address followed by a letter; it is not an address.
        guard !text[end].isASCIIAlphanumeric, text[end] != UInt8(ascii: "_") else { return nil }
        // Punctuation ending the sentence: "at fe80::1." or "address 2001:db8::1: done".
        while end > start, text[end - 1] == dot { end -= 1 }
        if end - start >= 2, text[end - 1] == colon, text[end - 2] != colon { end -= 1 }
        guard end - start <= maximumLength, isAddress(text, start..<end) else { return nil }
        return start..<end
    }

    private static func isAddress(_ text: ASCIIText, _ range: Range<Int>) -> Bool {
        let colon = UInt8(ascii: ":")
        var groups = 0
        var compressed = false
        var cursor = range.lowerBound
        if text[cursor] == colon {
            // Only "::" may start an address (checked by the caller); a lone "::" is not one.
            compressed = true
            cursor += 2
            if cursor >= range.upperBound { return false }
        }
        while cursor < range.upperBound {
            let groupStart = cursor
            while cursor < range.upperBound, text[cursor].isASCIIHexDigit { cursor += 1 }
            if cursor < range.upperBound, text[cursor] == UInt8(ascii: ".") {
                // An IPv4 tail stands for the last two groups and must end the address.
                guard text.dottedQuadEnd(at: groupStart) == range.upperBound else { return false }
                groups += 2
                cursor = range.upperBound
                break
            }
            guard (1...4).contains(cursor - groupStart) else { return false }
            groups += 1
            if cursor == range.upperBound { break }
            cursor += 1  // the colon after the group
            if cursor < range.upperBound, text[cursor] == colon {
                guard !compressed else { return false }
                compressed = true
                cursor += 1
            } else if cursor == range.upperBound {
                return false
            }
        }
        if compressed {
            return groups >= 1 && groups <= 7 && range.contains { text[$0].isASCIIDigit }
        }
        return groups == 8
    }
}

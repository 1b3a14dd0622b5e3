/// The UTF-8 bytes of a text as the PII recognisers read them.
///
/// Every pattern the scrubber looks for is ASCII, so recognisers work on bytes; a match
/// never starts or ends inside a multi-byte UTF-8 sequence because its first and last bytes
/// are ASCII. Reads outside the text yield 0, a non-word byte, so boundary checks at either
/// end need no special cases. Bytes of non-ASCII characters count as non-word too: PII next
/// to a curly quote or an em dash is still found.
struct ASCIIText {
    let bytes: [UInt8]
    /// Bytes before this index read as 0 too: the scrubber moves it to the end of each match,
    /// so what follows a replaced value is judged as if it followed the placeholder, not the
    /// digits it replaced (two cards in a row are two cards, not one long number).
    var floor = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var count: Int { bytes.count }

    subscript(_ index: Int) -> UInt8 {
        index >= floor && index < bytes.count ? bytes[index] : 0
    }

    /// The byte length of the non-ASCII letter (or combining mark) whose UTF-8 encoding starts
    /// at `index`, or 0: internationalised email addresses ("zoë@example.fr") need these.
    func nonASCIILetterLength(at index: Int) -> Int {
        let lead = self[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: (length, value) = (2, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (length, value) = (3, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (length, value) = (4, UInt32(lead & 0x07))
        default: return 0
        }
        for offset in 1..<length {
            let byte = self[index + offset]
            guard byte & 0xC0 == 0x80 else { return 0 }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return length
        default: return properties.isAlphabetic ? length : 0
        }
    }

    /// Whether the character ending right before `index` is a non-ASCII letter or mark.
    func nonASCIILetterEnds(before index: Int) -> Bool {
        var start = index - 1
        while start > index - 4, self[start] & 0xC0 == 0x80 { start -= 1 }
        let length = nonASCIILetterLength(at: start)
        return length > 0 && start + length == index
    }

    /// How many decimal digits start at `index` (at most `limit`, then stops counting).
    func digitRun(at index: Int, limit: Int = 64) -> Int {
        var end = index
        while end - index < limit && self[end].isASCIIDigit { end += 1 }
        return end - index
    }

    /// Whether `literal` occurs at `index`; letters compare case-insensitively when asked.
    func hasPrefix(_ literal: StaticString, at index: Int, caseInsensitive: Bool = false) -> Bool {
        let pattern = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for offset in 0..<pattern.count {
            var byte = self[index + offset]
            var expected = pattern[offset]
            if caseInsensitive {
                byte = byte.asciiLowercased
                expected = expected.asciiLowercased
            }
            if byte != expected { return false }
        }
        return true
    }

    /// The decimal value of the digits in `range` (callers keep ranges short).
    func decimalValue(_ range: Range<Int>) -> Int {
        var value = 0
        for index in range { value = value * 10 + Int(self[index] &- UInt8(ascii: "0")) }
        return value
    }

    /// Whether a number starting at `index` would continue a number already under way:
    /// right after a digit, or after a digit and one of `-`, `.`, `,`, `/` (so "1,555-123-4567"
    /// or the tail of "1203-45-6789-1" is never matched from the middle).
    func continuesNumber(at index: Int) -> Bool {
        let previous = self[index - 1]
        if previous.isASCIIAlphanumeric { return true }
        switch previous {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "/"), UInt8(ascii: "+"):
            return self[index - 2].isASCIIDigit || previous == UInt8(ascii: "+")
        default:
            return false
        }
    }

    /// The end of a strict dotted quad starting at `index` (four octets 0–255 without
    /// leading zeros), or nil; says nothing about what surrounds it.
    func dottedQuadEnd(at index: Int) -> Int? {
        var cursor = index
        for octet in 0..<4 {
            if octet > 0 {
                guard self[cursor] == UInt8(ascii: ".") else { return nil }
                cursor += 1
            }
            let length = digitRun(at: cursor, limit: 4)
            guard (1...3).contains(length) else { return nil }
            if length > 1 && self[cursor] == UInt8(ascii: "0") { return nil }
            guard decimalValue(cursor..<cursor + length) <= 255 else { return nil }
            cursor += length
        }
        return cursor
    }
}

extension UInt8 {
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isASCIIUppercase: Bool { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") }
    var isASCIILowercase: Bool { self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z") }
    var isASCIILetter: Bool { isASCIIUppercase || isASCIILowercase }
    var isASCIIAlphanumeric: Bool { isASCIIDigit || isASCIILetter }
    var isASCIIHexDigit: Bool {
        isASCIIDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
    var asciiLowercased: UInt8 { isASCIIUppercase ? self + 32 : self }
}

/// Finds telephone numbers.
///
/// Rules (all need at least 9 digits, so short numbers such as "room 101" or "quest #4512"
/// never match, and none reads a bare run of digits without `+` as a phone number):
/// - International: `+`, a country code not starting with 0, then digit groups separated by
///   single spaces, dashes or dots, optionally with one parenthesised group ("+44 (0)20 7946
///   0958", "+1 (555) 123-4567", "+4915112345678"); 9–15 digits in all (E.164 allows 15).
/// - North American: `ddd-ddd-dddd` or `ddd.ddd.dddd` (area code not starting with 0 or 1,
///   one separator throughout), optionally after "1-", "1." or "1 "; or `(ddd) ddd-dddd`.
/// - National with a trunk prefix: a first group "0" plus a non-zero digit ("020 7946 0958",
///   "06 12 34 56 78", "(030) 1234 5678"), groups separated by one consistent space, dash or
///   dot; 9–12 digits in all. Dates such as "01.02.1247" have only 8 digits.
/// A number that runs on into more digits than these forms allow is cut back to the last
/// group end followed by a space, if the digits up to there form a number; otherwise left alone.
enum PhoneRecognizer {
    static func match(in text: ASCIIText, at start: Int) -> Range<Int>? {
        let byte = text[start]
        if byte == UInt8(ascii: "+") {
            guard !text[start - 1].isASCIIAlphanumeric, !text[start - 1].isASCIIPunctuationJoiner else {
                return nil
            }
            return international(in: text, at: start)
        }
        guard !text.continuesNumber(at: start) else { return nil }
        if byte == UInt8(ascii: "(") {
            return parenthesised(in: text, at: start)
        }
        guard byte.isASCIIDigit else { return nil }
        return northAmerican(in: text, at: start) ?? trunkPrefixed(in: text, at: start)
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// Nothing after the number that would make it part of something longer.
    private static func endsCleanly(_ text: ASCIIText, at end: Int) -> Bool {
        let next = text[end]
        if next.isASCIIAlphanumeric || next == UInt8(ascii: "_") { return false }
        if isSeparator(next) || next == UInt8(ascii: ",") || next == UInt8(ascii: "/") {
            return !text[end + 1].isASCIIDigit
        }
        return true
    }

    private static func international(in text: ASCIIText, at start: Int) -> Range<Int>? {
        guard text[start + 1].isASCIIDigit, text[start + 1] != UInt8(ascii: "0") else { return nil }
        var cursor = start + 1
        var digits = 0
        var sawParenthesis = false
        // Where to stop if the digits run on past 15: the last group end followed by a space
        // ("+44 20 7946 0958 1-800-555-0199" is two numbers).
        var spaceBoundedPrefix: Int? = nil
        while true {
            if text[cursor] == UInt8(ascii: "(") {
                guard !sawParenthesis else { return nil }
                sawParenthesis = true
                let length = text.digitRun(at: cursor + 1, limit: 5)
                guard (1...4).contains(length), text[cursor + 1 + length] == UInt8(ascii: ")") else { return nil }
                digits += length
                cursor += length + 2
                if isSeparator(text[cursor]), text[cursor + 1].isASCIIDigit { cursor += 1 }
                guard text[cursor].isASCIIDigit else { return nil }
            }
            let length = text.digitRun(at: cursor, limit: 16)
            guard length > 0 else { return nil }
            digits += length
            guard digits <= 15 else { return spaceBoundedPrefix.map { start..<$0 } }
            cursor += length
            let next = text[cursor]
            if digits >= 9, next == UInt8(ascii: " ") { spaceBoundedPrefix = cursor }
            if isSeparator(next), text[cursor + 1].isASCIIDigit || text[cursor + 1] == UInt8(ascii: "(") {
                cursor += 1
            } else if next == UInt8(ascii: "(") {
                continue
            } else {
                break
            }
        }
        guard digits >= 9, endsCleanly(text, at: cursor) else { return nil }
        return start..<cursor
    }

    private static func northAmerican(in text: ASCIIText, at start: Int) -> Range<Int>? {
        var cursor = start
        if text[start] == UInt8(ascii: "1"), isSeparator(text[start + 1]), text[start + 2].isASCIIDigit {
            cursor += 2
        }
        guard text[cursor] >= UInt8(ascii: "2"), text.digitRun(at: cursor, limit: 4) == 3 else { return nil }
        let separator = text[cursor + 3]
        guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: ".") else { return nil }
        guard text.digitRun(at: cursor + 4, limit: 4) == 3, text[cursor + 7] == separator,
            text.digitRun(at: cursor + 8, limit: 5) == 4
        else { return nil }
        let end = cursor + 12
        guard endsCleanly(text, at: end) else { return nil }
        return start..<end
    }

    private static func parenthesised(in text: ASCIIText, at start: Int) -> Range<Int>? {
        let area = text.digitRun(at: start + 1, limit: 6)
        guard (2...5).contains(area), text[start + 1 + area] == UInt8(ascii: ")") else { return nil }
        let trunk = text[start + 1] == UInt8(ascii: "0") && text[start + 2] != UInt8(ascii: "0")
        let americanArea = area == 3 && text[start + 1] >= UInt8(ascii: "2")
        guard trunk || americanArea else { return nil }
        var cursor = start + 2 + area
        if text[cursor] == UInt8(ascii: " ") { cursor += 1 }
        guard text[cursor].isASCIIDigit else { return nil }
        if americanArea && !trunk {
            guard text.digitRun(at: cursor, limit: 4) == 3, isSeparator(text[cursor + 3]),
                text.digitRun(at: cursor + 4, limit: 5) == 4
            else { return nil }
            let end = cursor + 8
            return endsCleanly(text, at: end) ? start..<end : nil
        }
        guard let end = groups(in: text, at: cursor, digitsSoFar: area, firstGroupLengths: 2...8) else {
            return nil
        }
        return start..<end
    }

    private static func trunkPrefixed(in text: ASCIIText, at start: Int) -> Range<Int>? {
        guard text[start] == UInt8(ascii: "0"), text[start + 1].isASCIIDigit,
            text[start + 1] != UInt8(ascii: "0")
        else { return nil }
        guard let end = groups(in: text, at: start, digitsSoFar: 0, firstGroupLengths: 2...5, minimumGroups: 2) else {
            return nil
        }
        return start..<end
    }

    /// Digit groups of 2–8 digits with one consistent separator, ending cleanly, bringing the
    /// total to 9–12 digits; the end of the last group, or nil.
    private static func groups(
        in text: ASCIIText, at start: Int, digitsSoFar: Int, firstGroupLengths: ClosedRange<Int>,
        minimumGroups: Int = 1
    ) -> Int? {
        var digits = digitsSoFar
        var cursor = start
        var groupCount = 0
        var separator: UInt8? = nil
        var spaceBoundedPrefix: Int? = nil
        while true {
            let length = text.digitRun(at: cursor, limit: 9)
            let allowed = groupCount == 0 ? firstGroupLengths : 2...8
            guard allowed.contains(length) else { return spaceBoundedPrefix }
            digits += length
            guard digits <= 12 else { return spaceBoundedPrefix }
            cursor += length
            groupCount += 1
            let next = text[cursor]
            if digits >= 9, groupCount >= minimumGroups, next == UInt8(ascii: " ") { spaceBoundedPrefix = cursor }
            guard isSeparator(next), text[cursor + 1].isASCIIDigit else { break }
            if let separator, separator != next { break }
            separator = next
            cursor += 1
        }
        guard digits >= 9, groupCount >= minimumGroups, endsCleanly(text, at: cursor) else { return nil }
        return cursor
    }
}

extension UInt8 {
    /// Characters that glue a `+` onto what precedes it ("1+44…", "a.+44").
    fileprivate var isASCIIPunctuationJoiner: Bool {
        self == UInt8(ascii: ".") || self == UInt8(ascii: "+") || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}

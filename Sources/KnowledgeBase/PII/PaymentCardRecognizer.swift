/// Finds payment card numbers.
///
/// Rule: 13–19 digits starting with 2–6 (the major networks' ranges: Mastercard 2/5, Amex and
/// Diners 3, Visa 4, Discover, UnionPay and Maestro 6), written as one unbroken run or as
/// groups of 3–6 digits separated consistently by single spaces or dashes ("4111 1111 1111
/// 1111", "3782 822463 10005"), and passing the Luhn check. When a grouped number runs on
/// into more digit groups, the longest Luhn-valid prefix of 13–19 digits is taken. Luhn-invalid
/// numbers stay as they are: they are most likely something else. A number right after a
/// space and a 3–6 digit group is taken as the middle of a grouped number, not a card's
/// start, so "room 101 4111 1111 1111 1111" is missed by design.
enum PaymentCardRecognizer {
    static func match(in text: ASCIIText, at start: Int) -> Range<Int>? {
        let first = text[start]
        guard first >= UInt8(ascii: "2"), first <= UInt8(ascii: "6"), !text.continuesNumber(at: start) else {
            return nil
        }
        // The middle of a space-grouped digit chain is not the start of a card: a Luhn-invalid
        // "4111 1111 1111 1111 111" must not lose its head and match by chance.
        if text[start - 1] == UInt8(ascii: " "), (3...6).contains(digitsBefore(text, start - 1)) { return nil }

        let firstGroup = text.digitRun(at: start, limit: 20)
        if firstGroup >= 13 {
            guard firstGroup <= 19 else { return nil }
            let end = start + firstGroup
            guard endsCleanly(text, at: end),
                Luhn.isValid(Luhn.digits(of: text, in: start..<end))
            else { return nil }
            return start..<end
        }

        guard (3...6).contains(firstGroup) else { return nil }
        let separator = text[start + firstGroup]
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else { return nil }
        var candidates: [(end: Int, clean: Bool)] = []
        var digits = firstGroup
        var cursor = start + firstGroup
        while text[cursor] == separator, text[cursor + 1].isASCIIDigit, digits < 19 {
            let length = text.digitRun(at: cursor + 1, limit: 7)
            guard (3...6).contains(length) else { break }
            digits += length
            cursor += 1 + length
            if digits >= 13 && digits <= 19 {
                candidates.append((cursor, endsCleanly(text, at: cursor)))
            }
        }
        // Longest first; a candidate followed by a further digit group is a backed-off prefix.
        for candidate in candidates.reversed() {
            let followedByGroup = text[candidate.end] == separator && text[candidate.end + 1].isASCIIDigit
            guard candidate.clean || followedByGroup else { continue }
            if Luhn.isValid(Luhn.digits(of: text, in: start..<candidate.end)) {
                return start..<candidate.end
            }
        }
        return nil
    }

    /// How many digits end right before `end` (counting stops at 7).
    private static func digitsBefore(_ text: ASCIIText, _ end: Int) -> Int {
        var count = 0
        while count < 7, text[end - 1 - count].isASCIIDigit { count += 1 }
        return count
    }

    /// No letter, digit or decimal continuation ("4111…1111.5") after the number.
    private static func endsCleanly(_ text: ASCIIText, at end: Int) -> Bool {
        let next = text[end]
        if next.isASCIIAlphanumeric || next == UInt8(ascii: "_") { return false }
        if next == UInt8(ascii: ".") || next == UInt8(ascii: ",") || next == UInt8(ascii: "-") {
            return !text[end + 1].isASCIIDigit
        }
        return true
    }
}

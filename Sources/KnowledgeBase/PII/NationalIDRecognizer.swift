/// Finds national identity numbers written in a clearly structured form.
///
/// Rules, each bounded by non-word characters and never continuing another number:
/// - US Social Security number `ddd-dd-dddd` with dashes only, excluding the never-issued
///   areas 000, 666 and 900–999, group 00 and serial 0000 (a bare nine-digit run is too
///   ambiguous with ordinary numbers to be read as one).
/// - UK National Insurance number `AB123456C`, or spaced `AB 12 34 56 C`: uppercase only,
///   the prefix letters HMRC allows (not D, F, I, Q, U, V first; not D, F, I, O, Q, U, V
///   second; not BG, GB, KN, NK, NT, TN, ZZ) and a suffix A–D.
/// - Canadian Social Insurance number `ddd-ddd-ddd` with dashes, Luhn-valid, not starting
///   with 0 or 8.
enum NationalIDRecognizer {
    static func match(in text: ASCIIText, at start: Int) -> Range<Int>? {
        if text[start].isASCIIDigit {
            return dashedNumber(in: text, at: start)
        }
        if text[start].isASCIIUppercase {
            return nationalInsuranceNumber(in: text, at: start)
        }
        return nil
    }

    private static func dashedNumber(in text: ASCIIText, at start: Int) -> Range<Int>? {
        guard !text.continuesNumber(at: start) else { return nil }
        let dash = UInt8(ascii: "-")
        var groups: [Range<Int>] = []
        var cursor = start
        while groups.count < 3 {
            let length = text.digitRun(at: cursor, limit: 5)
            guard length > 0 else { return nil }
            groups.append(cursor..<cursor + length)
            cursor += length
            if groups.count < 3 {
                guard text[cursor] == dash else { return nil }
                cursor += 1
            }
        }
        let next = text[cursor]
        guard !next.isASCIIAlphanumeric, next != UInt8(ascii: "_") else { return nil }
        if next == dash || next == UInt8(ascii: ".") || next == UInt8(ascii: ",") || next == UInt8(ascii: "/"),
            text[cursor + 1].isASCIIDigit
        {
            return nil
        }
        let lengths = groups.map(\.count)
        if lengths == [3, 2, 4] {
            let area = text.decimalValue(groups[0])
            guard area != 0, area != 666, area < 900, text.decimalValue(groups[1]) != 0,
                text.decimalValue(groups[2]) != 0
            else { return nil }
            return start..<cursor
        }
        if lengths == [3, 3, 3] {
            let first = text[start]
            guard first != UInt8(ascii: "0"), first != UInt8(ascii: "8"),
                Luhn.isValid(Luhn.digits(of: text, in: start..<cursor))
            else { return nil }
            return start..<cursor
        }
        return nil
    }

    private static func nationalInsuranceNumber(in text: ASCIIText, at start: Int) -> Range<Int>? {
        guard !text[start - 1].isASCIIAlphanumeric else { return nil }
        let first = text[start]
        let second = text[start + 1]
        guard second.isASCIIUppercase, !"DFIQUV".utf8.contains(first), !"DFIOQUV".utf8.contains(second) else {
            return nil
        }
        let prefix = String(decoding: [first, second], as: UTF8.self)
        guard !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(prefix) else { return nil }

        var cursor = start + 2
        let space = UInt8(ascii: " ")
        let spaced = text[cursor] == space
        for _ in 0..<3 {
            if spaced {
                guard text[cursor] == space else { return nil }
                cursor += 1
            }
            guard text[cursor].isASCIIDigit, text[cursor + 1].isASCIIDigit else { return nil }
            cursor += 2
        }
        if spaced {
            guard text[cursor] == space else { return nil }
            cursor += 1
        }
        guard (UInt8(ascii: "A")...UInt8(ascii: "D")).contains(text[cursor]) else { return nil }
        cursor += 1
        guard !text[cursor].isASCIIAlphanumeric, text[cursor] != UInt8(ascii: "_") else { return nil }
        return start..<cursor
    }
}

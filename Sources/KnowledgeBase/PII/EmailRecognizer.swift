/// Finds email addresses.
///
/// Rule: a local part of letters, digits and `. _ % + -` (1–64 bytes, starting with a letter
/// or digit, not ending with a dot), `@`, then a domain of at least two dot-separated labels
/// of letters, digits and inner hyphens whose last label (the TLD) is at least two ASCII
/// letters. Letters may be non-ASCII ("zoë@exämple.fr", RFC 6531); other non-ASCII
/// characters, such as curly quotes around an address, are never part of it.
/// A sentence-ending dot after the address is left in place. Not matched on purpose:
/// `user@localhost` (no TLD), `@handles`, and obfuscated "name at example dot com".
enum EmailRecognizer {
    static func match(in text: ASCIIText, at start: Int) -> Range<Int>? {
        guard text[start].isASCIIAlphanumeric || text.nonASCIILetterLength(at: start) > 0,
            !isLocalPart(text[start - 1]), !text.nonASCIILetterEnds(before: start),
            text[start - 1] != UInt8(ascii: "@")
        else { return nil }
        var cursor = start
        while true {
            if isLocalPart(text[cursor]) {
                cursor += 1
            } else if case let length = text.nonASCIILetterLength(at: cursor), length > 0 {
                cursor += length
            } else {
                break
            }
            if cursor - start > 64 { return nil }
        }
        guard text[cursor] == UInt8(ascii: "@"), text[cursor - 1] != UInt8(ascii: ".") else { return nil }
        cursor += 1

        var labels = 0
        var lastLabel = cursor..<cursor
        while labels < 127 {
            let labelStart = cursor
            guard text[cursor].isASCIIAlphanumeric || text.nonASCIILetterLength(at: cursor) > 0 else { return nil }
            while true {
                if text[cursor].isASCIIAlphanumeric || text[cursor] == UInt8(ascii: "-") {
                    cursor += 1
                } else if case let length = text.nonASCIILetterLength(at: cursor), length > 0 {
                    cursor += length
                } else {
                    break
                }
                if cursor - labelStart > 63 { return nil }
            }
            guard text[cursor - 1] != UInt8(ascii: "-") else { return nil }
            labels += 1
            lastLabel = labelStart..<cursor
            if text[cursor] == UInt8(ascii: "."), text[cursor + 1].isASCIIAlphanumeric {
                cursor += 1
            } else {
                break
            }
        }
        guard labels >= 2, lastLabel.count >= 2, lastLabel.allSatisfy({ text[$0].isASCIILetter }) else {
            return nil
        }
        // "a@b.com_x" or "a@b.com@c" are not addresses we understand.
        guard text[cursor] != UInt8(ascii: "_"), text[cursor] != UInt8(ascii: "@") else { return nil }
        return start..<cursor
    }

    private static func isLocalPart(_ byte: UInt8) -> Bool {
        if byte.isASCIIAlphanumeric { return true }
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "%"), UInt8(ascii: "+"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

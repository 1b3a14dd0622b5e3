/// Finds IPv4 addresses.
///
/// Rule: four dot-separated decimal octets, each 0–255 without leading zeros ("010.1.1.1" is
/// not read as an address), not part of a longer dotted number: no letter, digit or dot right
/// before, and no letter, digit or ".digit" right after ("1.2.3.4.5" and "v1.2.3.4" stay).
/// A port or prefix length after it (":8080", "/24") is kept as text. Three-part numbers such
/// as "Chapter 3.2.1" or "v2.0.4" never match, and a four-part one right after a numbering
/// word ("version 1.0.0.0", "Chapter 1.2.3.4", "ver. 2.1.0.9") is a number, not an address;
/// elsewhere "1.2.3.4" in range reads as an address.
enum IPv4Recognizer {
    static func match(in text: ASCIIText, at start: Int) -> Range<Int>? {
        let previous = text[start - 1]
        guard text[start].isASCIIDigit, !previous.isASCIIAlphanumeric, previous != UInt8(ascii: "."),
            let end = text.dottedQuadEnd(at: start)
        else { return nil }
        let next = text[end]
        guard !next.isASCIIAlphanumeric, !(next == UInt8(ascii: ".") && text[end + 1].isASCIIDigit) else {
            return nil
        }
        guard !followsNumberingWord(text, start) else { return nil }
        return start..<end
    }

    /// Words after which a dotted quad is a version or section number, not an address.
    private static let numberingWords: Set<String> = [
        "version", "ver", "v", "release", "build", "chapter", "ch", "section", "sec", "verse", "rule",
        "article", "art", "clause", "book", "part", "paragraph", "para", "no", "§",
    ]

    /// Whether the word before (one space, optionally after a dot: "ver. 1.0.0.0") is a
    /// numbering word such as "version" or "Chapter".
    private static func followsNumberingWord(_ text: ASCIIText, _ start: Int) -> Bool {
        var end = start - 1
        guard text[end] == UInt8(ascii: " ") else { return false }
        if text[end - 1] == UInt8(ascii: ".") { end -= 1 }
        var wordStart = end
        while end - wordStart < 10, text[wordStart - 1].isASCIILetter || text[wordStart - 1] >= 0x80 {
            wordStart -= 1
        }
        guard wordStart < end else { return false }
        let word = String(decoding: text.bytes[wordStart..<end].map(\.asciiLowercased), as: UTF8.self)
        return numberingWords.contains(word)
    }
}

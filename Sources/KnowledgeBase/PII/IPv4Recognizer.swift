/// Finds IPv4 addresses.
///
/// Rule: four dot-separated decimal octets, each 0–255 without leading zeros ("010.1.1.1" is
/// not read as an address), not part of a longer dotted number: no letter, digit or dot right
/// before, and no letter, digit or ".digit" right after ("1.2.3.4.5" and "v1.2.3.4" stay).
/// A port or prefix length after it (":8080", "/24") is kept as text. Three-part numbers such
/// as "Chapter 3.2.1" or "v2.0.4" never match.
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
        return start..<end
    }
}

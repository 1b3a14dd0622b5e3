/// The input as an array of Characters with their UTF-8 offsets, so every chunking position is
/// a plain Int that can only ever sit on a grapheme boundary.
struct CharacterTable {
    /// The input's Characters in order.
    let characters: [Character]
    /// Whether each Character is whitespace (newlines included).
    let isWhitespace: [Bool]
    /// UTF-8 offset of each Character's start, plus one final entry for the end of the input.
    let utf8Offsets: [Int]
    private let bytes: [UInt8]

    init(_ text: String) {
        var characters: [Character] = []
        var isWhitespace: [Bool] = []
        var offsets: [Int] = [0]
        characters.reserveCapacity(text.utf8.count)
        isWhitespace.reserveCapacity(text.utf8.count)
        offsets.reserveCapacity(text.utf8.count + 1)
        var offset = 0
        for character in text {
            characters.append(character)
            isWhitespace.append(TextTokens.isWhitespace(character))
            offset += character.utf8.count
            offsets.append(offset)
        }
        self.characters = characters
        self.isWhitespace = isWhitespace
        self.utf8Offsets = offsets
        self.bytes = Array(text.utf8)
    }

    var count: Int { characters.count }

    /// UTF-8 byte range of Characters `span`.
    func byteRange(_ span: Range<Int>) -> Range<Int> {
        utf8Offsets[span.lowerBound]..<utf8Offsets[span.upperBound]
    }

    /// The input's text for Characters `span`, byte for byte.
    func text(_ span: Range<Int>) -> String {
        String(decoding: bytes[byteRange(span)], as: UTF8.self)
    }

    /// `span` without leading and trailing whitespace; empty (at its start) when it is all whitespace.
    func trimmed(_ span: Range<Int>) -> Range<Int> {
        var lower = span.lowerBound
        var upper = span.upperBound
        while lower < upper && isWhitespace[lower] { lower += 1 }
        while upper > lower && isWhitespace[upper - 1] { upper -= 1 }
        return lower..<upper
    }

    /// Whether a word starts at `index`: not whitespace, and first or after whitespace.
    func isWordStart(_ index: Int) -> Bool {
        !isWhitespace[index] && (index == 0 || isWhitespace[index - 1])
    }
}

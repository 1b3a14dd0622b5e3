/// One piece of a document as the knowledge base embeds and retrieves it.
public struct Chunk: Sendable, Equatable {
    /// Position in the document's chunk list, from 0.
    public var ordinal: Int
    /// Exactly the input's bytes in `range`.
    public var text: String
    /// UTF-8 byte range of `text` in the input; ranges of neighbours overlap by the repeated tail.
    public var range: Range<Int>
    /// Headings above the chunk, outermost first, e.g. `["Factions", "The Lamplighters"]`.
    public var headingPath: [String]
    /// Words in `text` as ``TextTokens`` counts them.
    public var tokenCount: Int

    /// A chunk with every field given.
    public init(ordinal: Int, text: String, range: Range<Int>, headingPath: [String], tokenCount: Int) {
        self.ordinal = ordinal
        self.text = text
        self.range = range
        self.headingPath = headingPath
        self.tokenCount = tokenCount
    }
}

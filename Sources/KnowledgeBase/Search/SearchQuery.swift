/// A question put to the knowledge base, scoped to one world (which also sees global documents) or to
/// global documents only.
public struct SearchQuery: Sendable, Hashable, Codable {
    /// Longest query accepted, in characters.
    public static let maxCharacters = 1_000
    /// Hits one search may return.
    public static let limitRange = 1...100

    /// The world searched, whose documents and the global ones are visible; nil searches global documents only.
    public var worldID: String?
    /// The question or keywords, in natural language.
    public var text: String
    /// How many hits to return (k).
    public var limit: Int

    public init(worldID: String?, text: String, limit: Int = 10) {
        self.worldID = worldID
        self.text = text
        self.limit = limit
    }

    /// Throws, naming the limit, when the query cannot be searched.
    public func validate() throws(SearchError) {
        if text.allSatisfy({ $0.isWhitespace }) { throw .emptyQuery }
        // Grapheme count, and a bound on bytes for texts of stacked combining marks.
        let characters = text.count
        if characters > Self.maxCharacters || text.utf8.count > Self.maxCharacters * 4 {
            throw .queryTooLong(characters: characters, limit: Self.maxCharacters)
        }
        if text.utf8.contains(0) { throw .queryContainsNUL }
        if !Self.limitRange.contains(limit) { throw .limitOutOfRange(limit, allowed: Self.limitRange) }
        if let worldID, worldID.allSatisfy({ $0.isWhitespace }) { throw .emptyWorldID }
    }
}

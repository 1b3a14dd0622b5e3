/// Why a search could not run; each message says what to change.
public enum SearchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The query is empty or only whitespace.
    case emptyQuery
    /// The query is longer than `SearchQuery.maxCharacters`.
    case queryTooLong(characters: Int, limit: Int)
    /// The query contains a NUL character, which PostgreSQL text cannot hold.
    case queryContainsNUL
    /// k is outside `SearchQuery.limitRange`.
    case limitOutOfRange(Int, allowed: ClosedRange<Int>)
    /// A world id was given but is empty.
    case emptyWorldID
    /// A `SearchSettings` value is out of range.
    case invalidSetting(String)
    /// The embedder returned a vector of the wrong size, or none.
    case embedderReturned(components: Int, expected: Int)
    /// The knowledge-base tables are not in the database.
    case missingTables(schema: String)

    public var description: String {
        switch self {
        case .emptyQuery:
            "the search query is empty: give some words to search for"
        case .queryTooLong(let characters, let limit):
            "the search query has \(characters) characters; at most \(limit) are allowed: shorten it"
        case .queryContainsNUL:
            "the search query contains a NUL character: remove it"
        case .limitOutOfRange(let k, let allowed):
            "k = \(k) is out of range: ask for \(allowed.lowerBound) to \(allowed.upperBound) hits"
        case .emptyWorldID:
            "the world id is empty: give a world id, or search global documents only"
        case .invalidSetting(let detail):
            "invalid search setting: \(detail)"
        case .embedderReturned(let components, let expected):
            "the embedder returned \(components) components for the query, expected \(expected): check the embedder"
        case .missingTables(let schema):
            "there is no knowledge base in schema \(schema): run `annals migrate` or start annals-kb-worker, "
                + "or pass the schema the knowledge base lives in"
        }
    }
}

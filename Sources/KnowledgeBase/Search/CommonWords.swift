import Postgres
import Projection

/// The knowledge base's most common words, with the share of chunks holding each, and how many chunks there are:
/// PostgreSQL's statistics of `chunks.tsv` (`pg_stats.most_common_elems`, `pg_class.reltuples`), which ANALYZE
/// (and autovacuum) refresh. Full-text search lets a word too common bring no candidates of its own
/// (`SearchSettings.commonWordFrequency`). Reading them costs about 0.6 ms, so a server reads them now and then
/// (`annals-api`: once a minute) rather than for every search; a table never analysed has none.
public struct CommonWords: Sendable, Equatable {
    /// Lexemes (as `to_tsvector('english', …)` makes them) and the share of chunks holding each, 0...1.
    public let frequencies: [String: Double]
    /// The planner's estimate of the chunks in the table; 0 when unknown.
    public let chunks: Double
    /// `frequencies`, most common first (equal shares in lexeme order): each search takes a prefix.
    private let byFrequency: [(lexeme: String, frequency: Double)]

    public init(frequencies: [String: Double], chunks: Double) {
        self.frequencies = frequencies
        self.chunks = chunks
        byFrequency = frequencies.map { (lexeme: $0.key, frequency: $0.value) }
            .sorted { ($0.frequency, $1.lexeme) > ($1.frequency, $0.lexeme) }
    }

    public static func == (lhs: CommonWords, rhs: CommonWords) -> Bool {
        lhs.frequencies == rhs.frequencies && lhs.chunks == rhs.chunks
    }

    /// No statistics: every word brings candidates.
    public static let unknown = CommonWords(frequencies: [:], chunks: 0)

    /// The statistics of `schema.chunks` now; `unknown` when the table was never analysed or does not exist.
    public static func read(schema: String, connection: PostgresConnection) throws -> CommonWords {
        let elements = try connection.execute(
            """
            SELECT e.lexeme, e.frequency
            FROM pg_stats p, unnest(p.most_common_elems::text::text[], p.most_common_elem_freqs) AS e(lexeme, frequency)
            WHERE p.schemaname = $1 AND p.tablename = 'chunks' AND p.attname = 'tsv' AND e.lexeme IS NOT NULL
            """,
            [PostgresValue(schema)])
        var frequencies: [String: Double] = [:]
        for row in elements.rows { frequencies[try row.string("lexeme")] = try row.double("frequency") }
        let table = try connection.execute(
            "SELECT greatest(reltuples, 0)::float8 AS chunks FROM pg_class WHERE oid = to_regclass($1)",
            [PostgresValue("\(quoteIdentifier(schema)).chunks")])
        return CommonWords(frequencies: frequencies, chunks: try table.rows.first?.double("chunks") ?? 0)
    }

    /// The lexemes held by more than `share` of the chunks, with their shares, most common first.
    func above(_ share: Double) -> (lexemes: [String], frequencies: [Double]) {
        let common = byFrequency.prefix { $0.frequency > share }
        return (common.map(\.lexeme), common.map(\.frequency))
    }
}

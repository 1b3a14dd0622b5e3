import ArgumentParser
import Foundation
import KnowledgeBase
import Postgres

/// `annals search`: hybrid search of the knowledge base as one world sees it.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the knowledge base as a world sees it (its documents and the global ones).",
        discussion: """
        Hybrid search: nearest chunks by embedding (HNSW) and best full-text matches (any of the query's words), \
        fused by reciprocal rank. Queries are embedded with the worker's embedder (--embedder, else $ANNALS_EMBEDDER) at the dimension of \
        <schema>.chunks.embedding, as the worker stored them. Examples:
          annals search --world emberfall "who guards the library?"
          annals search --global -k 5 --json ember codex
        """)

    @Option(help: "The world searching: its documents and the global ones are visible.") var world: String?
    @Flag(help: "Search global documents only (documents without a world).") var global = false
    @Argument(help: "What to search for, in natural language (quote it, or give several words).") var query: [String]
    @Option(name: [.customShort("k"), .customLong("limit")],
            help: "How many hits, \(SearchQuery.limitRange.lowerBound) to \(SearchQuery.limitRange.upperBound).")
    var k = 10
    @Flag(help: "Print a JSON array of hits instead of text.") var json = false
    @Option(help: "The schema holding the knowledge base.") var schema = "kb"
    @Option(help: "Lines of chunk text per hit; 0 prints it whole.") var lines = 4
    @Option(help: "HNSW candidate list while searching (hnsw.ef_search, \(SearchSettings.efSearchRange.lowerBound)-\(SearchSettings.efSearchRange.upperBound)): higher finds more true neighbours, slower.")
    var efSearch = SearchSettings().efSearch
    @Option(help: "hnsw.ef_search for the global chunks' own index, built finer than the whole table's.")
    var globalEfSearch = SearchSettings().globalEfSearch
    @Option(help: "Candidates each method (vector, full text) brings to the fusion.")
    var candidates = SearchSettings().candidatesPerMethod
    @Option(help: "hnsw.iterative_scan: what the HNSW scan does when the world filter leaves too few rows (off, relaxed_order, strict_order).")
    var iterativeScan = SearchSettings().iterativeScan.rawValue
    @Flag(help: "Print PostgreSQL's plans for the search's statements (EXPLAIN ANALYZE) instead of hits.") var explain = false
    @OptionGroup(title: "Embeddings (the worker's: queries must be embedded like the chunks)") var embedding: EmbedderOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        switch (world, global) {
        case (nil, false): throw ValidationError("say whose knowledge to search: --world <id>, or --global for global documents only")
        case (.some, true): throw ValidationError("--world and --global exclude each other: --global searches global documents only")
        case (.some(let world), false) where world.allSatisfy(\.isWhitespace):
            throw ValidationError("--world is empty: give a world id, or --global for global documents only")
        default: break
        }
        guard !query.joined().allSatisfy(\.isWhitespace) else { throw ValidationError("give the words to search for") }
        guard SearchQuery.limitRange.contains(k) else {
            throw ValidationError("-k \(k) is out of range: ask for \(SearchQuery.limitRange.lowerBound) to \(SearchQuery.limitRange.upperBound) hits")
        }
        guard lines >= 0 else { throw ValidationError("--lines must be 0 (whole text) or more") }
    }

    func run() async throws {
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        guard let dimension = try KnowledgeBaseSearch.embeddingDimension(schema: schema, connection: db) else {
            throw CLIError("\(SearchError.missingTables(schema: schema))")
        }
        let embedder: any Embedder
        do {
            embedder = try embedding.makeEmbedder(dimension: dimension)
        } catch {
            throw CLIError("\(schema).chunks.embedding is vector(\(dimension)): \(error)")
        }
        guard let scan = SearchSettings.IterativeScan(rawValue: iterativeScan) else {
            throw CLIError("--iterative-scan \(iterativeScan): choose off, relaxed_order or strict_order")
        }
        let settings = SearchSettings(efSearch: efSearch, globalEfSearch: globalEfSearch, candidatesPerMethod: candidates,
                                      iterativeScan: scan)
        do { try settings.validate() } catch { throw CLIError("\(error)") }
        let search = KnowledgeBaseSearch(schema: schema, embedder: embedder, settings: settings)
        do {
            try search.requireTablesEmbedder(connection: db)
        } catch let error as EmbedderError {
            throw RenderedError.rendering(error)
        }
        let searchQuery = SearchQuery(worldID: world, text: query.joined(separator: " "), limit: k)
        let hits: [SearchHit]
        do {
            if explain {
                let plans = try search.queryPlans(
                    searchQuery, embedding: try await search.embedding(for: searchQuery.text), analyze: true, connection: db)
                for (statement, plan) in plans {
                    print(statement + ":\n" + plan.map { "  " + $0 }.joined(separator: "\n"))
                }
                return
            }
            hits = try await search.search(searchQuery, connection: db)
        } catch let error as SearchError {
            throw CLIError("\(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(hits), as: UTF8.self))
            return
        }
        guard !hits.isEmpty else {
            let scope = world.map { "world \($0) or the global documents" } ?? "the global documents"
            FileHandle.standardError.write(Data("no chunks of \(scope) match\n".utf8))
            return
        }
        print(SearchHitLayout(width: Self.terminalWidth(), maxTextLines: lines).render(hits))
    }

    /// Standard output's width on a terminal, else $COLUMNS, else 100; kept within 40...160.
    static func terminalWidth() -> Int {
        var size = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return min(max(Int(size.ws_col), 40), 160)
        }
        let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 100
        return min(max(columns, 40), 160)
    }
}

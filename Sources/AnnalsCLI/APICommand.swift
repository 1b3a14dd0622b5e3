import ArgumentParser
import Foundation
import KnowledgeBase
import Logging
import Postgres
import ReadAPI
import SentenceEmbedding
import ServiceLifecycle
import WorkerHTTP

/// `annals-api`: the read side over HTTP until SIGTERM.
public struct APICommand: WorkerCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-api",
        abstract: "Serve the projections read-only over HTTP: search, documents, story, concepts, scaling.",
        discussion: """
        Endpoints under /v1 (GET, JSON): /v1/worlds, /v1/search?q=…&world=W&k=10, /v1/documents/{id}, \
        /v1/worlds/{world}/story?after=N&limit=50, /v1/concepts/{id}/history?world=W, \
        /v1/concepts/{id}/related?world=W&depth=2, /v1/scaling/capacity, /v1/scaling/decisions?tier=T&limit=20. \
        The OpenAPI document is at /openapi.json, a web page at /, and /healthz, /readyz and /metrics as the \
        workers have them. Connect as a login granted the reader role of `annals migrate --roles`: the API \
        needs nothing else. Search answers are cached per knowledge-base data version, so an answer is never \
        older than the tables. Each client is rate limited (by token name, else by address); beyond it the answer is \
        429 with Retry-After. Behind a load balancer, --trusted-proxies names it, so that X-Forwarded-For gives \
        the client's address. With --auth-token-file every /v1 request needs `Authorization: Bearer <token>` \
        (401 otherwise); /healthz, /readyz, /metrics, the page and /openapi.json stay open. SIGTERM stops it.
        """)

    @Option(help: ArgumentHelp(
        "PostgreSQL URL or libpq conninfo (default: $DATABASE_URL, else the file $DATABASE_URL_FILE, else libpq's PG* variables).",
        valueName: "url"))
    var databaseURL: String?
    @Option(help: ArgumentHelp("File holding the PostgreSQL URL or conninfo; a trailing newline is ignored.", valueName: "path"))
    var databaseURLFile: String?
    @Option(help: "Address to bind.") var httpHost = "0.0.0.0"
    @Option(help: "Port to serve on (default: $ANNALS_API_PORT, else 8080).") var httpPort: Int?
    @Option(help: "Database connections (each runs its queries on a thread of its own).") var poolSize = 4
    @Option(help: "Search answers kept in memory; 0 turns the cache off.") var cacheEntries = 10_000
    @Option(help: "Requests per second each client may make on average; 0 turns rate limiting off.") var rateLimit = 50.0
    @Option(help: "Requests each client may make at once before the average applies.") var rateBurst = 100.0
    @Option(help: ArgumentHelp(
        "Proxies whose X-Forwarded-For names the client: comma-separated CIDR blocks, e.g. a load balancer's subnets "
            + "(default: $ANNALS_API_TRUSTED_PROXIES, else none: the header is ignored and the client is the peer).",
        valueName: "cidrs"))
    var trustedProxies: String?
    @Option(help: ArgumentHelp(
        "Require a bearer token on /v1: a file of `name token [requests-per-second [burst]]` lines, several tokens per "
            + "name to rotate one (default: $ANNALS_API_AUTH_TOKEN_FILE; $ANNALS_API_AUTH_TOKENS may hold the text "
            + "itself, e.g. from a secret). Off without either.",
        valueName: "path"))
    var authTokenFile: String?
    @Option(help: ArgumentHelp(
        "Where a search finds its nearest chunks: memory (a copy of the vectors in this server, exact; 4 bytes per "
            + "component, loaded at start-up, the database meanwhile) or database (PostgreSQL's HNSW indexes, for a "
            + "knowledge base too large for the server's memory) (default: $ANNALS_API_VECTOR_SEARCH, else memory).",
        valueName: "memory|database"))
    var vectorSearch: VectorSearch?
    @Option(help: "HNSW candidate list size while searching a world's own chunks (hnsw.ef_search).") var efSearch = SearchSettings().efSearch
    @Option(help: "HNSW candidate list size while searching the global chunks' index (finer built: a shorter list finds as much).")
    var globalEfSearch = SearchSettings().globalEfSearch
    @Option(help: "The knowledge-base schema.") var kbSchema = "kb"
    @Option(help: "The story schema.") var storySchema = "story"
    @Option(help: "The scaling schema.") var scalingSchema = "scaling"
    @OptionGroup(title: "Query embeddings (must match the knowledge-base worker's)") var embedding: EmbedderOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions
    @Option(help: ArgumentHelp("A YAML file of settings, by option name (default: $ANNALS_CONFIG).", valueName: "path"))
    var config: String?

    public static let environmentVariables: [String: [String]] = ConnectionOptions.environmentVariables
        .filter { $0.key.hasPrefix("database") }
        .merging(LoggingOptions.environmentVariables) { first, _ in first }
        .merging(EmbedderOptions.environmentVariables) { first, _ in first }
        .merging([
            "http-port": ["ANNALS_API_PORT"], "trusted-proxies": ["ANNALS_API_TRUSTED_PROXIES"],
            "auth-token-file": ["ANNALS_API_AUTH_TOKEN_FILE", "ANNALS_API_AUTH_TOKENS"],
            "vector-search": ["ANNALS_API_VECTOR_SEARCH"],
        ]) { first, _ in first }
    public static let loggerLabel = "annals.api"

    public init() {}

    public func validate() throws {
        guard (1...64).contains(poolSize) else { throw ValidationError("--pool-size \(poolSize): use 1 to 64") }
        guard cacheEntries >= 0 else { throw ValidationError("--cache-entries \(cacheEntries): use 0 or more") }
        guard rateLimit >= 0, rateLimit.isFinite else { throw ValidationError("--rate-limit \(rateLimit): use 0 (off) or more") }
        guard rateBurst >= 1, rateBurst.isFinite else { throw ValidationError("--rate-burst \(rateBurst): use 1 or more") }
        for (flag, value) in [("--ef-search", efSearch), ("--global-ef-search", globalEfSearch)]
        where !SearchSettings.efSearchRange.contains(value) {
            throw ValidationError("\(flag) \(value): use \(SearchSettings.efSearchRange.lowerBound) to \(SearchSettings.efSearchRange.upperBound)")
        }
    }

    public func run() async throws {
        let logger = Logger(label: Self.loggerLabel)
        let environment = ProcessInfo.processInfo.environment
        let conninfo = try ConnectionOptions.databaseConninfo(url: databaseURL, file: databaseURLFile, environment: environment)
        let port = try effectivePort(environment: environment)
        var settings = ReadAPISettings()
        settings.knowledgeBaseSchema = kbSchema
        settings.storySchema = storySchema
        settings.scalingSchema = scalingSchema
        settings.search.efSearch = efSearch
        settings.search.globalEfSearch = globalEfSearch
        settings.cacheEntries = cacheEntries
        settings.vectorSearch = try vectorSearch ?? Self.vectorSearch(environment: environment)
        settings.rateLimit = rateLimit == 0 ? nil : RateLimit(perSecond: rateLimit, burst: rateBurst)
        settings.trustedProxies = try Self.trustedProxies(trustedProxies, environment: environment)
        settings.tokens = try Self.tokens(file: authTokenFile, environment: environment)
        let embedding = self.embedding
        let embedderKind = try embedding.kind(environment: environment)  // bad embedder settings fail now, not at the first search
        settings.makeEmbedder = { dimension in
            let embedder = try embedding.makeEmbedder(dimension: dimension)
            // Queries searched at the same time share the model's passes.
            return (embedder as? MiniLMEmbedder).map { MiniLMQueryBatcher($0) } ?? embedder
        }

        let report = SettingsReport.current
        logger.info("settings", metadata: [
            "database": "\(conninfo.isEmpty ? "libpq defaults (PG* variables)" : redacted(conninfo))",
            "http": "\(httpHost):\(port)", "pool-size": "\(poolSize)", "cache-entries": "\(cacheEntries)",
            "rate-limit": "\(rateLimit == 0 ? "off" : "\(rateLimit)/s, burst \(rateBurst)")", "vector-search": "\(settings.vectorSearch.rawValue)",
            "ef-search": "\(efSearch), global \(globalEfSearch)",
            "trusted-proxies": "\(settings.trustedProxies.blocks.isEmpty ? "none" : settings.trustedProxies.blocks.map(\.description).joined(separator: ","))",
            "auth": "\(settings.tokens.map { "bearer tokens of \($0.names.joined(separator: ", "))" } ?? "off")",
            "schemas": "\(kbSchema), \(storySchema), \(scalingSchema)", "embedder": "\(embedderKind.rawValue)",
            "config": "\(report.configPath ?? "none")", "sources": "\(report.sources.isEmpty ? "defaults" : report.sources)",
        ])
        // First, so that the API's own counters are made with the Prometheus backend rather than the no-op one.
        let registry = PrometheusBootstrap.registry
        let pool = PostgresConnectionPool(conninfo: conninfo, size: poolSize)
        let api = ReadAPI(pool: pool, settings: settings, logger: logger)
        let server = ReadAPIServer(api: api, settings: settings, registry: registry)
        let group = ServiceGroup(services: [server.application(host: httpHost, port: port, logger: logger)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        let warming = Task { await api.warmUp() }
        defer { warming.cancel() }
        try await group.run()
    }

    /// `$ANNALS_API_VECTOR_SEARCH`, else memory.
    static func vectorSearch(environment: [String: String]) throws -> VectorSearch {
        guard let text = environment["ANNALS_API_VECTOR_SEARCH"], !text.isEmpty else { return .memory }
        guard let value = VectorSearch(rawValue: text) else {
            throw CLIError("ANNALS_API_VECTOR_SEARCH=\(text): use memory or database")
        }
        return value
    }

    /// `--trusted-proxies`, else `$ANNALS_API_TRUSTED_PROXIES`, else none.
    static func trustedProxies(_ option: String?, environment: [String: String]) throws -> TrustedProxies {
        let (list, source) = option.map { ($0, "--trusted-proxies") }
            ?? (environment["ANNALS_API_TRUSTED_PROXIES"] ?? "", "ANNALS_API_TRUSTED_PROXIES")
        do {
            return try TrustedProxies(parsing: list)
        } catch {
            throw CLIError("\(source): \(error)")
        }
    }

    /// The tokens of `--auth-token-file`, else of the file `$ANNALS_API_AUTH_TOKEN_FILE`, else of the text
    /// `$ANNALS_API_AUTH_TOKENS`; nil (no authentication) without any of them.
    static func tokens(file option: String?, environment: [String: String]) throws -> APITokens? {
        let text: String, source: String
        if let path = option ?? environment["ANNALS_API_AUTH_TOKEN_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw CLIError("cannot read the token file \(path): \((error as NSError).localizedDescription)")
            }
            source = path
        } else if let inline = environment["ANNALS_API_AUTH_TOKENS"], !inline.isEmpty {
            (text, source) = (inline, "ANNALS_API_AUTH_TOKENS")
        } else {
            return nil
        }
        do {
            return try APITokens(parsing: text, source: source)
        } catch {
            throw CLIError("\(error)")
        }
    }

    private func effectivePort(environment: [String: String]) throws -> Int {
        if let httpPort {
            guard (0...65_535).contains(httpPort) else { throw CLIError("--http-port \(httpPort) is not a port number: use 1-65535") }
            return httpPort
        }
        guard let text = environment["ANNALS_API_PORT"], !text.isEmpty else { return 8080 }
        guard let port = Int(text), (0...65_535).contains(port) else {
            throw CLIError("ANNALS_API_PORT=\(text) is not a port number: use 1-65535")
        }
        return port
    }
}

extension VectorSearch: ExpressibleByArgument {}

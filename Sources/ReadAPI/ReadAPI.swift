import Dispatch
import Foundation
import Hummingbird
import KnowledgeBase
import Logging
import Metrics
import NIOConcurrencyHelpers
import Postgres
import Scaling
import Story
import VectorReplica

/// The read side over HTTP: world-scoped search, documents, story history, concept history and relationships,
/// tier capacity and scale decisions, under `/v1`, as JSON. Every database call runs on a pooled connection off
/// the cooperative pool; search answers are cached per knowledge-base data version.
public final class ReadAPI: Sendable {
    private let pool: PostgresConnectionPool
    private let settings: ReadAPISettings
    private let logger: Logger
    private let cache: NIOLockedValueBox<SearchCache>
    private let engine = NIOLockedValueBox<KnowledgeBaseSearch?>(nil)
    /// The knowledge base's common words and when they were read (`currentCommonWords`).
    private let commonWords = NIOLockedValueBox<(words: CommonWords, readAt: ContinuousClock.Instant)?>(nil)
    /// The chunks' vectors in memory, when `settings.vectorSearch` is `.memory`.
    private let replica: ChunkVectorReplica?
    private let replicaChunks = Gauge(label: "annals_api_vector_replica_chunks")
    private let cacheLookups = (hit: Counter(label: "annals_api_search_cache_total", dimensions: [("result", "hit")]),
                                miss: Counter(label: "annals_api_search_cache_total", dimensions: [("result", "miss")]))

    public init(pool: PostgresConnectionPool, settings: ReadAPISettings, logger: Logger) {
        self.pool = pool
        self.settings = settings
        self.logger = logger
        cache = NIOLockedValueBox(SearchCache(capacity: settings.cacheEntries))
        replica = settings.vectorSearch == .memory ? ChunkVectorReplica(schema: settings.knowledgeBaseSchema) : nil
    }

    /// The `/v1` routes, `/openapi.json` and the web page at `/`.
    public func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/") { _, _ in Self.staticResponse(APIResources.indexHTML, contentType: "text/html; charset=utf-8") }
        router.get("/openapi.json") { _, _ in Self.staticResponse(APIResources.openAPIDocument, contentType: "application/json") }
        let v1 = router.group("v1")
        v1.get("worlds") { request, _ in try await self.worlds(request) }
        v1.get("search") { request, _ in try await self.search(request) }
        v1.get("documents/:documentID") { request, context in try await self.document(request, context) }
        v1.get("worlds/:worldID/story") { request, context in try await self.story(request, context) }
        v1.get("concepts/:conceptID/history") { request, context in try await self.conceptHistory(request, context) }
        v1.get("concepts/:conceptID/related") { request, context in try await self.relatedConcepts(request, context) }
        v1.get("scaling/capacity") { request, _ in try await self.capacity(request) }
        v1.get("scaling/decisions") { request, _ in try await self.decisions(request) }
    }

    /// Sets up the search engine and embeds one query, so that the first searches do not wait for the model to load
    /// (all-MiniLM-L6-v2: its weights read and paged in, a few hundred milliseconds). Failures (no database or
    /// knowledge base yet) are left for the requests to report.
    public func warmUp() async {
        do {
            let engine = try await knowledgeBaseSearch()
            _ = try await engine.embedding(for: "warm up")
            logger.debug("search warmed up")
            startReplicaLoad(dimension: engine.embedder.dimension)
        } catch {
            logger.debug("search not warmed up; the first search sets it up", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the database answers, for `/readyz`: nil when it does, else why not.
    public func databaseProblem(timeout: Duration = .seconds(2)) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    _ = try await self.pool.withConnection { try $0.execute("SELECT 1") }
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return "no answer from the database within \(timeout)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    // MARK: Endpoints

    struct WorldsResponse: Encodable { var worlds: [WorldOverview] }

    private func worlds(_ request: Request) async throws -> Response {
        _ = try Self.parameters(request, allowed: [])
        let directory = WorldDirectory(knowledgeBaseSchema: settings.knowledgeBaseSchema, storySchema: settings.storySchema)
        return try Self.json(WorldsResponse(worlds: try await database("the worlds") { try directory.worlds(connection: $0) }))
    }

    struct SearchResponse: Encodable {
        var world: String?
        var q: String
        var k: Int
        var hits: [SearchHit]
    }

    private func search(_ request: Request) async throws -> Response {
        let parameters = try Self.parameters(request, allowed: ["q", "world", "k"])
        guard let text = try parameters.value("q"), !text.allSatisfy(\.isWhitespace) else {
            throw APIError.invalid("q", "parameter q is required: the words to search for")
        }
        try ParameterRules.plainText("q", text, maxCharacters: SearchQuery.maxCharacters)
        let world = try ParameterRules.optionalIdentifier("world", parameters.value("world"))
        let k = try ParameterRules.integer("k", parameters.value("k"), default: 10, range: SearchQuery.limitRange)
        let query = SearchQuery(worldID: world, text: text, limit: k)

        let version = try await database("the knowledge base's version") { try Self.dataVersion(of: "kb", connection: $0) }
        if let version, let hits = cache.withLockedValue({ $0.answer(query, version: version) }) {
            cacheLookups.hit.increment()
            return try Self.json(SearchResponse(world: world, q: text, k: k, hits: hits), headers: .cacheStatus("hit"))
        }
        cacheLookups.miss.increment()
        let engine = try await knowledgeBaseSearch()
        let embedding = try await engine.embedding(for: text)
        let hits: [SearchHit], nearest: [ScoredChunk]?
        do {
            nearest = try await replicaNearest(query, embedding: embedding, engine: engine, dataVersion: version)
            hits = try await database("the knowledge base") { connection in
                try engine.search(query, embedding: embedding, nearest: nearest,
                                  commonWords: self.currentCommonWords(connection: connection), connection: connection)
            }
        } catch let error as EmbedderError {
            // The tables were rebuilt at another dimension: embed at the new one from the next request on.
            self.engine.withLockedValue { $0 = nil }
            logger.warning("search failed, embedder reset", metadata: ["error": "\(error)"])
            throw APIError.unavailable("the knowledge base changed its embedding dimension; retry")
        }
        if let version { cache.withLockedValue { $0.store(hits, for: query, version: version) } }
        return try Self.json(SearchResponse(world: world, q: text, k: k, hits: hits),
                             headers: .cacheStatus("miss", vectors: nearest == nil ? "database" : "memory"))
    }

    private func document(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try Self.parameters(request, allowed: [])
        let id = try Self.pathIdentifier("documentID", context)
        let queries = DocumentQueries(schema: settings.knowledgeBaseSchema)
        guard let document = try await database("the knowledge base", { try queries.document(id, connection: $0) }) else {
            throw APIError.notFound("no document \(id)")
        }
        return try Self.json(document)
    }

    private func story(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try Self.parameters(request, allowed: ["after", "limit"])
        let world = try Self.pathIdentifier("worldID", context)
        let after = try ParameterRules.integer64("after", parameters.value("after"), default: -1, minimum: -1)
        let limit = try ParameterRules.integer("limit", parameters.value("limit"), default: 50, range: StoryHistory.limitRange)
        let history = StoryHistory(schema: settings.storySchema)
        let page = try await database("the story") { try history.page(world: world, after: after, limit: limit, connection: $0) }
        if page.events.isEmpty, after < 0 { throw APIError.notFound("world \(world) has no story events") }
        return try Self.json(page)
    }

    private func conceptHistory(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try Self.parameters(request, allowed: ["world"])
        let concept = try Self.pathIdentifier("conceptID", context)
        let world = try ParameterRules.optionalIdentifier("world", parameters.value("world"))
        let queries = ConceptQueries(schema: settings.knowledgeBaseSchema)
        guard let history = try await database("the knowledge base", {
            try queries.history(of: concept, world: world ?? "", connection: $0)
        }) else {
            throw APIError.notFound("no concept \(concept) in \(world.map { "world \($0)" } ?? "the global view")")
        }
        return try Self.json(ConceptHistoryReport(history))
    }

    struct RelatedResponse: Encodable {
        var conceptID: String
        var world: String?
        var depth: Int
        var related: [RelatedConceptReport]
    }

    private func relatedConcepts(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try Self.parameters(request, allowed: ["world", "depth"])
        let concept = try Self.pathIdentifier("conceptID", context)
        let world = try ParameterRules.optionalIdentifier("world", parameters.value("world"))
        let depth = try ParameterRules.integer("depth", parameters.value("depth"), default: 1, range: ConceptGraph.depthRange)
        let queries = ConceptQueries(schema: settings.knowledgeBaseSchema)
        let (related, names) = try await database("the knowledge base") { connection in
            let related = try queries.related(to: concept, world: world ?? "", depth: depth, connection: connection)
            let names = try queries.summaries(of: [concept] + related.map(\.conceptID), world: world ?? "", connection: connection)
            return (related, names)
        }
        if related.isEmpty, names[concept] == nil {
            throw APIError.notFound("no concept \(concept) in \(world.map { "world \($0)" } ?? "the global view")")
        }
        return try Self.json(RelatedResponse(conceptID: concept, world: world, depth: depth,
                                             related: related.map { RelatedConceptReport($0, summary: names[$0.conceptID]) }))
    }

    struct CapacityResponse: Encodable { var tiers: [TierCapacityReport] }

    private func capacity(_ request: Request) async throws -> Response {
        _ = try Self.parameters(request, allowed: [])
        let queries = ScalingQueries(schema: settings.scalingSchema)
        return try Self.json(CapacityResponse(tiers: try await database("the scaling tables") { try queries.capacity(connection: $0) }))
    }

    struct DecisionsResponse: Encodable { var decisions: [ScaleDecisionReport] }

    private func decisions(_ request: Request) async throws -> Response {
        let parameters = try Self.parameters(request, allowed: ["tier", "limit"])
        let tier = try ParameterRules.optionalIdentifier("tier", parameters.value("tier"))
        let limit = try ParameterRules.integer("limit", parameters.value("limit"), default: 20, range: ScalingQueries.limitRange)
        let queries = ScalingQueries(schema: settings.scalingSchema)
        let decisions = try await database("the scaling tables") { try queries.recentDecisions(tier: tier, limit: limit, connection: $0) }
        return try Self.json(DecisionsResponse(decisions: decisions))
    }

    // MARK: Plumbing

    /// The search engine at the knowledge base's embedding dimension, made on first use.
    private func knowledgeBaseSearch() async throws -> KnowledgeBaseSearch {
        if let engine = engine.withLockedValue({ $0 }) { return engine }
        let schema = settings.knowledgeBaseSchema
        guard let dimension = try await database("the knowledge base", {
            try KnowledgeBaseSearch.embeddingDimension(schema: schema, connection: $0)
        }) else {
            throw APIError.unavailable("there is no knowledge base in schema \(schema) yet: run `annals migrate` or start annals-kb-worker")
        }
        let search: KnowledgeBaseSearch
        do {
            search = KnowledgeBaseSearch(schema: schema, embedder: try settings.makeEmbedder(dimension), settings: settings.search)
        } catch {
            logger.error("cannot make the query embedder", metadata: ["error": "\(error)"])
            throw APIError.unavailable("the query embedder cannot be set up; see the server's log")
        }
        do {
            try await database("the knowledge base") { try search.requireTablesEmbedder(connection: $0) }
        } catch let error as EmbedderError {
            logger.error("the query embedder is not the knowledge base's", metadata: ["error": "\(error)"])
            throw APIError.unavailable("the knowledge base was embedded with another model than this server's; see the server's log")
        }
        engine.withLockedValue { $0 = search }
        return search
    }

    /// The vector half's candidates from the copy in memory, brought up to `dataVersion` first; nil when there is no
    /// copy up to date (the database finds them then, and a load starts).
    private func replicaNearest(_ query: SearchQuery, embedding: [Float], engine: KnowledgeBaseSearch,
                                dataVersion: String?) async throws -> [ScoredChunk]? {
        guard let replica, let dataVersion else { return nil }
        var current = replica.current(at: dataVersion)
        if current == nil {
            current = try await database("the knowledge base") { try replica.upToDate(dataVersion: dataVersion, connection: $0) }
            if let current { replicaChunks.record(current.chunkCount) }  // counted when it changes, not per search
        }
        guard let index = current else {
            startReplicaLoad(dimension: embedding.count)
            return nil
        }
        do {
            return try await NearestBatcher.nearest(in: index, to: embedding, worldID: query.worldID, limit: engine.candidateLimit(query))
        } catch ChunkVectorIndexError.dimensionMismatch(let held, let asked) {
            // The tables were rebuilt at another dimension: drop the copy and the engine, load both again.
            replica.drop()
            throw EmbedderError.dimensionMismatch(embedder: asked, table: held)
        }
    }

    /// Loads the copy of the vectors in the background unless it is loaded or loading; searches use the database
    /// meanwhile.
    private func startReplicaLoad(dimension: Int) {
        guard let replica, replica.claimLoad() else { return }
        let (pool, logger) = (pool, logger)
        Task.detached { [replicaChunks] in
            var loaded = false
            defer { replica.releaseLoad(loaded: loaded) }
            let started = ContinuousClock.now
            logger.info("loading the chunks' vectors into memory", metadata: ["schema": "\(replica.schema)"])
            do {
                let index = try await pool.withConnection { connection in
                    try replica.load(dimension: dimension, connection: connection,
                                     dataVersion: { try Self.dataVersion(of: "kb", connection: $0) })
                }
                loaded = true
                replicaChunks.record(index.chunkCount)
                logger.info("chunks' vectors loaded: searches find their nearest chunks in memory", metadata: [
                    "chunks": "\(index.chunkCount)", "documents": "\(index.documentCount)",
                    "took": "\(ContinuousClock.now - started)",
                ])
            } catch {
                logger.warning("cannot load the chunks' vectors; searches use the database until a later load", metadata: [
                    "error": "\(error)", "retry-after": "\(ChunkVectorReplica.retryAfterFailure)",
                ])
            }
        }
    }

    /// How long common words read from the statistics are used before they are read again: they change only when
    /// the chunks are analysed, and reading them costs a search about 0.6 ms.
    static let commonWordsMaxAge: Duration = .seconds(60)

    /// The knowledge base's common words (`CommonWords`), read again once they are `commonWordsMaxAge` old.
    private func currentCommonWords(connection: PostgresConnection) throws -> CommonWords {
        let now = ContinuousClock.now
        if let kept = commonWords.withLockedValue({ $0 }), now - kept.readAt < Self.commonWordsMaxAge { return kept.words }
        let words = try CommonWords.read(schema: settings.knowledgeBaseSchema, connection: connection)
        commonWords.withLockedValue { $0 = (words, now) }
        return words
    }

    /// Runs `body` on a pooled connection; database failures become 503s (details logged, never sent).
    private func database<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await pool.withConnection(body)
        } catch let error as APIError {
            throw error
        } catch let error as EmbedderError {
            throw error
        } catch let error as SearchError {
            if case .missingTables = error { throw APIError.unavailable("\(error)") }
            throw APIError(status: .badRequest, code: .invalidParameter, message: "\(error)")
        } catch let error as PostgresError where error.sqlState == "42P01" || error.sqlState == "3F000" {
            throw APIError.unavailable("the tables of \(what) do not exist yet: run `annals migrate` or start its worker")
        } catch {
            logger.error("database call failed", metadata: ["reading": "\(what)", "error": "\(error)"])
            throw APIError.unavailable("the database is unavailable")
        }
    }

    /// `annals.data_version(projection)`, nil where the runtime schema predates it (answers are then not cached).
    static func dataVersion(of projection: String, connection: PostgresConnection) throws -> String? {
        do {
            return try connection.execute("SELECT annals.data_version($1) AS version", [PostgresValue(projection)])
                .rows.first?.optionalString("version")
        } catch let error as PostgresError where error.sqlState == "42883" || error.sqlState == "3F000" {
            return nil
        }
    }

    static func parameters(_ request: Request, allowed: Set<String>) throws -> QueryString {
        let parameters = try QueryString(request.uri.query)
        if let unknown = parameters.unknownNames(allowed).first {
            let known = allowed.isEmpty ? "this endpoint takes no parameters" : "known: \(allowed.sorted().joined(separator: ", "))"
            throw APIError.invalid(unknown, "unknown parameter \(unknown) (\(known))")
        }
        return parameters
    }

    static func pathIdentifier(_ name: String, _ context: APIRequestContext) throws -> String {
        let raw = context.parameters.get(name)
        return try ParameterRules.identifier(name, raw.map { $0.removingPercentEncoding ?? $0 })
    }

    static func json(_ value: some Encodable, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func staticResponse(_ bytes: [UInt8], contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension HTTPFields {
    /// `X-Annals-Cache`: whether a search was answered from the cache, `hit` or `miss`; for a computed one,
    /// `X-Annals-Vectors`: where its vector half ran, `memory` or `database`.
    static func cacheStatus(_ status: String, vectors: String? = nil) -> HTTPFields {
        var fields = HTTPFields()
        if let name = HTTPFields.Element.Name("X-Annals-Cache") { fields[name] = status }
        if let vectors, let name = HTTPFields.Element.Name("X-Annals-Vectors") { fields[name] = vectors }
        return fields
    }
}

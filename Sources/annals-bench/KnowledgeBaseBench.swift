import AnnalsEvents
import ArgumentParser
import Dispatch
import Foundation
import KnowledgeBase
import Logging
import Postgres
import Projection
import Synchronization
import VectorReplica

/// `annals-bench kb`: knowledge-base ingest throughput with the HNSW index maintained, against COPY of the same
/// rows; then world-filtered search latency (vector alone, full text alone, hybrid) and the HNSW query's recall@10
/// against exact search, for each search setting given.
struct KnowledgeBaseBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "Ingest synthetic lore through the knowledge-base projection; measure search latency and recall.",
        discussion: """
        1. ingest: deterministic documents over --worlds worlds and a --global-share of global ones, planned \
        (scrubbed, chunked, embedded) on two threads as the worker does, then applied by \
        KnowledgeBaseProjection.apply in transactions of --batch-size documents into a fresh --schema, with the \
        HNSW, GIN and world indexes in place, until --chunks chunks;
        2. COPY limit: the same rows COPYed into empty copies of the same tables (<schema>_copy), checked identical;
        3. search: --queries world-filtered questions drawn from the documents; exact nearest neighbours once per \
        query (the HNSW index off), then for each --settings: vector query alone, full text alone and hybrid \
        search, p50/p99 latency, and recall@10 of the vector query against the exact one.
        The schemas are dropped at the end unless --keep.
        """)

    @Option(help: "Chunks to ingest (documents are generated until there are this many).") var chunks = 100_000
    @Option(help: "Worlds the documents are spread over.") var worlds = 100
    @Option(help: "Fraction of documents that are global (no world).") var globalShare = 0.1
    @Option(help: "Distinct invented words.") var vocabulary = 3_000
    @Option(help: "Documents per ingest transaction.") var batchSize = 500
    @Option(help: "Embedding dimension.") var dimension = 384
    @Option(help: "World-filtered queries measured per setting.") var queries = 250
    @Option(help: "Queries run with every setting before timing.") var warmup = 50
    @Option(parsing: .singleValue, help: ArgumentHelp(
        "Search settings to measure, from the defaults: ef=<ef_search>,global-ef=<the global index's>,scan=<off|relaxed_order|strict_order>,"
            + "candidates=<n>,max-scan=<tuples>,rrf-k=<k>,common=<share>,common-limit=<chunks> (repeatable; default: a sweep of ef_search, scan modes and candidates).",
        valueName: "settings"))
    var settings: [String] = []
    @Option(help: "Schema to ingest into; dropped first, and at the end unless --keep.") var schema = "kb_bench"
    @Option(help: "libpq URL of the database (default: $DATABASE_URL).") var databaseURL: String?
    @Flag(help: "Keep the schemas.") var keep = false
    @Flag(help: "Search an existing --schema from an earlier --keep run instead of ingesting.") var reuse = false
    @Flag(help: "Skip the COPY limit.") var skipCopyLimit = false

    static let defaultSweep = [
        "global-ef=40", "global-ef=60", "global-ef=100", "global-ef=200", "ef=100", "ef=400", "scan=off", "scan=strict_order",
        "candidates=20", "candidates=80", "common=0.02", "common=0.2", "common=1", "common-limit=100000000",
    ]

    func validate() throws {
        guard chunks >= 1, worlds >= 1, batchSize >= 1, queries >= 1, warmup >= 0, vocabulary >= 100 else {
            throw ValidationError("--chunks, --worlds, --batch-size and --queries must be ≥ 1, --vocabulary ≥ 100")
        }
        guard (0...0.9).contains(globalShare) else { throw ValidationError("--global-share must be from 0 to 0.9") }
        _ = try (settings.isEmpty ? Self.defaultSweep : settings).map(Self.parseSettings)
    }

    func run() async throws {
        let url = try benchStart(databaseURL: databaseURL)
        let started = now()
        let generator = LoreGenerator(vocabularySize: vocabulary, worlds: worlds, globalShare: globalShare)
        let projection = try KnowledgeBaseProjection(schema: schema, settings: .init(dimension: dimension))
        let sweep = try (settings.isEmpty ? Self.defaultSweep : settings).map { ($0, try Self.parseSettings($0)) }
        let (chunks, batchSize, queries, warmup, schema, reuse, skipCopyLimit, keep) =
            (self.chunks, self.batchSize, self.queries, self.warmup, self.schema, self.reuse, self.skipCopyLimit, self.keep)

        let report = try await onThread("kb-bench") { () -> String in
            let connection = try PostgresConnection(conninfo: url)
            var lines: [String] = []
            let documents: Int
            if reuse {
                documents = try connection.execute("SELECT count(*) AS n FROM \(quoteIdentifier(schema)).documents").rows[0].int("n")
                lines.append("reused \(schema): \(documents) documents, ingest not measured")
            } else {
                Memory.startPhase()
                let ingest = try Self.ingest(generator, projection: projection, chunks: chunks, batchSize: batchSize,
                                             connection: connection)
                documents = ingest.documents
                lines += ingest.report(peakKiB: Memory.phasePeakKiB())
                if !skipCopyLimit {
                    Memory.startPhase()
                    let copy = try Self.copyLimit(generator, projection: projection, documents: documents,
                                                  batchSize: batchSize, connection: connection)
                    lines += copy.report(ingest: ingest, peakKiB: Memory.phasePeakKiB())
                    if !keep { try connection.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema + "_copy")) CASCADE") }
                }
            }
            // What autovacuum does after a bulk load: planner statistics (the full-text search reads its word
            // frequencies) and an empty GIN pending list (fastupdate), which every full-text query scans.
            let pending = try Self.ginPendingTuples(schema: schema, connection: connection)
            try connection.execute("VACUUM ANALYZE \(quoteIdentifier(schema)).chunks")
            try connection.execute("VACUUM ANALYZE \(quoteIdentifier(schema)).documents")
            lines.append("")
            lines.append("VACUUM ANALYZE after ingest, as autovacuum would: planner statistics, and the GIN pending list"
                + (pending.map { " (\($0) tuples)" } ?? "") + " merged into the full-text index")
            Memory.startPhase()
            lines += try Self.searches(generator, documents: documents, queries: queries, warmup: warmup, sweep: sweep,
                                       projection: projection, connection: connection)
            lines.append("search phase peak RSS: \(mebibytes(Memory.phasePeakKiB()))")
            if !keep { try connection.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema)) CASCADE") }
            return lines.joined(separator: "\n")
        }
        print("")
        print("annals-bench kb: chunks=\(chunks) worlds=\(worlds) global-share=\(globalShare) vocabulary=\(vocabulary) "
            + "dimension=\(dimension) batch-size=\(batchSize) queries=\(queries) warmup=\(warmup)")
        print(report)
        print("peak memory (max RSS of the process): \(mebibytes(Memory.processPeak()))")
        print("benchmark wall time: \(format(now() - started, 1)) s")
    }

    /// `ef=100,global-ef=60,scan=relaxed_order,candidates=40,max-scan=20000` over the defaults.
    static func parseSettings(_ text: String) throws -> SearchSettings {
        var settings = SearchSettings()
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--settings \(text): expected key=value pairs") }
            switch parts[0] {
            case "ef": settings.efSearch = try int(parts[1], in: text)
            case "global-ef": settings.globalEfSearch = try int(parts[1], in: text)
            case "candidates": settings.candidatesPerMethod = try int(parts[1], in: text)
            case "max-scan": settings.maxScanTuples = try int(parts[1], in: text)
            case "rrf-k": settings.rrfK = try int(parts[1], in: text)
            case "common-limit": settings.commonWordMatchLimit = try int(parts[1], in: text)
            case "common":
                guard let value = Double(parts[1]) else { throw ValidationError("--settings \(text): \(parts[1]) is not a number") }
                settings.commonWordFrequency = value
            case "scan":
                guard let scan = SearchSettings.IterativeScan(rawValue: parts[1]) else {
                    throw ValidationError("--settings \(text): scan is off, relaxed_order or strict_order")
                }
                settings.iterativeScan = scan
            default: throw ValidationError("--settings \(text): unknown key \(parts[0]) (ef, global-ef, scan, candidates, max-scan, rrf-k, common, common-limit)")
            }
        }
        do {
            try settings.validate()
        } catch {
            throw ValidationError("--settings \(text): \(error)")
        }
        return settings
    }

    private static func int(_ text: String, in settings: String) throws -> Int {
        guard let value = Int(text) else { throw ValidationError("--settings \(settings): \(text) is not a whole number") }
        return value
    }

    /// "ef=100 relaxed_order cand=40" for the report.
    static func label(_ settings: SearchSettings) -> String {
        var label = "ef=\(settings.efSearch)/\(settings.globalEfSearch) \(settings.iterativeScan.rawValue) cand=\(settings.candidatesPerMethod)"
        if let maxScan = settings.maxScanTuples { label += " max-scan=\(maxScan)" }
        if settings.commonWordFrequency != SearchSettings().commonWordFrequency { label += " common=\(settings.commonWordFrequency)" }
        if settings.commonWordMatchLimit != SearchSettings().commonWordMatchLimit { label += " common-limit=\(settings.commonWordMatchLimit)" }
        return label
    }

    // MARK: - Ingest

    struct Ingested {
        var documents: Int
        var chunks: Int
        var generateSeconds: Double
        var planSeconds: Double
        var applySeconds: Double
        var transactions: Int

        func report(peakKiB: Int) -> [String] {
            let total = generateSeconds + planSeconds + applySeconds
            return [
                "",
                "ingest: \(documents) documents → \(chunks) chunks in \(transactions) transactions (HNSW, GIN and world indexes maintained)",
                pad("step", 44) + pad("seconds", 10, right: true) + pad("chunks/s", 11, right: true),
                pad("generate events", 44) + pad(format(generateSeconds, 2), 10, right: true)
                    + pad(format(Double(chunks) / generateSeconds, 0), 11, right: true),
                pad("plan (scrub, chunk, embed; 2 threads)", 44) + pad(format(planSeconds, 2), 10, right: true)
                    + pad(format(Double(chunks) / planSeconds, 0), 11, right: true),
                pad("apply (KnowledgeBaseProjection.apply + commit)", 44) + pad(format(applySeconds, 2), 10, right: true)
                    + pad(format(Double(chunks) / applySeconds, 0), 11, right: true),
                pad("end to end (one after the other)", 44) + pad(format(total, 2), 10, right: true)
                    + pad(format(Double(chunks) / total, 0), 11, right: true),
                "ingest peak RSS: \(mebibytes(peakKiB))",
            ]
        }
    }

    /// Documents through the projection's own prepare and apply, batch by batch, until `chunks` chunks.
    static func ingest(_ generator: LoreGenerator, projection: KnowledgeBaseProjection, chunks target: Int,
                       batchSize: Int, connection: PostgresConnection) throws -> Ingested {
        let schema = quoteIdentifier(projection.schema)
        try connection.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try connection.execute("CREATE SCHEMA \(schema)")
        for statement in projection.migrations(schema: projection.schema) + projection.deferredIndexes(schema: projection.schema) {
            try connection.execute(statement)
        }

        var result = Ingested(documents: 0, chunks: 0, generateSeconds: 0, planSeconds: 0, applySeconds: 0, transactions: 0)
        let progress = ProgressLine("ingest chunks")
        let started = now()
        while result.chunks < target {
            var t = now()
            let events = (result.documents..<(result.documents + batchSize)).map { index in
                ProjectedEvent(event: .documentIngested(generator.event(index)),
                               coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: Int64(index)))
            }
            result.generateSeconds += now() - t
            t = now()
            let prepared = prepareOnTwoThreads(events, projection: projection)
            result.planSeconds += now() - t
            // Stop at the document that reaches the target, so every run ingests the same documents.
            var kept: [ProjectedEvent] = []
            for event in prepared where result.chunks < target {
                kept.append(event)
                result.chunks += (event.prepared as? DocumentPlan)?.chunks.count ?? 0
            }
            result.documents += kept.count
            t = now()
            try connection.transaction { try projection.apply(kept, schema: projection.schema, connection: $0) }
            result.applySeconds += now() - t
            result.transactions += 1
            progress.update(done: result.chunks, total: target, started: started, force: result.chunks >= target, unit: "chunks/s")
        }
        progress.finish()
        let stored = try connection.execute("SELECT count(*) AS n FROM \(schema).chunks").rows[0].int("n")
        guard stored == result.chunks else {
            throw ValidationError("ingest is not honest: \(stored) rows in \(schema).chunks, \(result.chunks) chunks planned")
        }
        return result
    }

    /// Entries waiting in the full-text index's pending list; nil without the pgstattuple extension.
    static func ginPendingTuples(schema: String, connection: PostgresConnection) throws -> Int? {
        let available = try connection.execute(
            "SELECT count(*) AS n FROM pg_extension WHERE extname = 'pgstattuple'").rows[0].int("n") > 0
        guard available else { return nil }
        return try connection.execute(
            "SELECT pending_tuples AS n FROM pgstatginindex($1::regclass)",
            [PostgresValue("\(quoteIdentifier(schema)).chunks_tsv")]).rows[0].int("n")
    }

    /// `projection.prepare` for every event, split over two threads like the worker's batch decoder.
    static func prepareOnTwoThreads(_ events: [ProjectedEvent], projection: KnowledgeBaseProjection) -> [ProjectedEvent] {
        let halves = 2
        let size = (events.count + halves - 1) / halves
        let results = Mutex<[Int: [ProjectedEvent]]>([:])
        DispatchQueue.concurrentPerform(iterations: halves) { half in
            let slice = events[min(half * size, events.count)..<min((half + 1) * size, events.count)]
            let prepared = slice.map { event -> ProjectedEvent in
                var event = event
                event.prepared = projection.prepare(event)
                return event
            }
            results.withLock { $0[half] = prepared }
        }
        return results.withLock { results in (0..<halves).flatMap { results[$0] ?? [] } }
    }

    // MARK: - COPY limit

    struct Copied {
        var seconds: Double
        var chunks: Int
        var identical: Bool

        func report(ingest: Ingested, peakKiB: Int) -> [String] {
            let copyRate = Double(chunks) / seconds
            let applyRate = Double(ingest.chunks) / ingest.applySeconds
            return [
                pad("COPY limit (same rows, same tables+indexes)", 44) + pad(format(seconds, 2), 10, right: true)
                    + pad(format(copyRate, 0), 11, right: true),
                "apply vs COPY: \(format(applyRate / copyRate * 100, 1))%; COPY tables identical to the applied ones "
                    + "(row counts and checksums): \(identical ? "yes" : "NO"); COPY phase peak RSS \(mebibytes(peakKiB))",
            ]
        }
    }

    /// The rows the projection wrote, rebuilt from the same plans, COPYed into empty copies of the same tables
    /// (same indexes) in one transaction. Only the COPY statements are timed.
    static func copyLimit(_ generator: LoreGenerator, projection: KnowledgeBaseProjection, documents: Int,
                          batchSize: Int, connection: PostgresConnection) throws -> Copied {
        let copySchema = projection.schema + "_copy"
        let quoted = quoteIdentifier(copySchema)
        try connection.execute("DROP SCHEMA IF EXISTS \(quoted) CASCADE")
        try connection.execute("CREATE SCHEMA \(quoted)")
        for statement in projection.migrations(schema: copySchema) + projection.deferredIndexes(schema: copySchema) {
            try connection.execute(statement)
        }
        var seconds = 0.0
        var chunks = 0
        let progress = ProgressLine("COPY limit documents")
        let started = now()
        try connection.transaction { tx in
            var index = 0
            while index < documents {
                let end = min(index + batchSize, documents)
                let events = (index..<end).map { index in
                    ProjectedEvent(event: .documentIngested(generator.event(index)),
                                   coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: Int64(index)))
                }
                let plans = prepareOnTwoThreads(events, projection: projection).compactMap { event -> (DocumentPlan, ProjectedEvent)? in
                    (event.prepared as? DocumentPlan).map { ($0, event) }
                }
                let documentRows = plans.map { plan, event -> [PostgresValue?] in
                    guard case .documentIngested(let ingested) = event.event else { return [] }
                    return [
                        PostgresValue(plan.documentID), .int(plan.version), plan.worldID.map { PostgresValue($0) },
                        PostgresValue(plan.title), PostgresValue(plan.source), PostgresValue(plan.contentHash),
                        .textArray(plan.tags), PostgresValue(piiJSON(plan.piiCounts)), .int(plan.chunks.count),
                        PostgresValue(ingested.meta.eventID),
                        .timestamp(microsecondsSinceEpoch: ingested.meta.occurredAt.microsecondsSinceEpoch),
                        PostgresValue(event.coordinates.topic), .int(event.coordinates.partition), .int(event.coordinates.offset),
                    ]
                }
                let chunkRows = plans.flatMap { plan, _ in
                    plan.chunks.map { chunk -> [PostgresValue?] in
                        [
                            PostgresValue(plan.documentID), .int(plan.version), .int(chunk.ordinal),
                            plan.worldID.map { PostgresValue($0) }, PostgresValue(chunk.text), .textArray(chunk.headingPath),
                            .int(chunk.tokenCount), PostgresValue("[" + chunk.embedding.map { "\($0)" }.joined(separator: ",") + "]"),
                        ]
                    }
                }
                let t = now()
                try tx.copy(into: """
                    COPY \(quoted).documents (document_id, version, world_id, title, source, content_hash, tags, pii_counts,
                        chunk_count, event_id, occurred_at, topic, partition, "offset") FROM STDIN
                    """, rows: documentRows)
                chunks += try tx.copy(into: """
                    COPY \(quoted).chunks (document_id, version, ordinal, world_id, text, heading_path, token_count, embedding)
                    FROM STDIN
                    """, rows: chunkRows)
                seconds += now() - t
                index = end
                progress.update(done: index, total: documents, started: started, force: index == documents, unit: "documents/s")
            }
        }
        progress.finish()
        let applied = try TableChecksum.checksums(of: projection, schema: projection.schema, connection: connection)
        let copied = try TableChecksum.checksums(of: projection, schema: copySchema, connection: connection)
        let identical = applied.count == copied.count
            && zip(applied, copied).allSatisfy { $0.rows == $1.rows && $0.checksum == $1.checksum }
        return Copied(seconds: seconds, chunks: chunks, identical: identical)
    }

    /// The projection's `pii_counts` form: `{"email":2,…}`, keys sorted.
    static func piiJSON(_ counts: [PIIKind: Int]) -> String {
        "{" + counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\"\($0.key.rawValue)\":\($0.value)" }
            .joined(separator: ",") + "}"
    }

    // MARK: - Search

    /// The 1-minute load average: other work on the machine competes with the database and the bench.
    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "-"
    }

    struct Latencies {
        var milliseconds: [Double] = []

        mutating func time<T>(_ body: () throws -> T) rethrows -> T {
            let t = now()
            defer { milliseconds.append((now() - t) * 1_000) }
            return try body()
        }

        /// Nearest-rank percentile.
        func percentile(_ p: Double) -> Double {
            guard !milliseconds.isEmpty else { return .nan }
            let sorted = milliseconds.sorted()
            return sorted[max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
    }

    struct Measured {
        var label: String
        var vector = Latencies()
        var text = Latencies()
        var hybrid = Latencies()
        /// Per query: the vector query's top 10 within the exact 10th distance, over min(10, exact results).
        var recall: [Double] = []
        /// Per query: the vector query's top 10 ids that are among the exact top 10.
        var idRecall: [Double] = []
        /// Queries whose vector query returned fewer than 10 chunks.
        var short = 0

        static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
    }

    /// The copy of the vectors `annals-api --vector-search memory` keeps: its load time, its nearest-10 latency and
    /// recall@10 against the exact search `exact` (which it should equal, up to float rounding).
    static func inMemoryCopy(queries: [(query: SearchQuery, embedding: [Float])], exact: [[SearchCandidate]],
                             projection: KnowledgeBaseProjection, connection: PostgresConnection) throws -> [String] {
        let replica = ChunkVectorReplica(schema: projection.schema)
        let started = now()
        let index = try replica.load(dimension: projection.settings.dimension, connection: connection, dataVersion: { _ in nil })
        let loadSeconds = now() - started
        var latency = Latencies()
        var recall: [Double] = []
        for (query, truth) in zip(queries, exact) {
            let found = try latency.time { try index.nearest(to: query.embedding, worldID: query.query.worldID, limit: 10) }
            guard let threshold = truth.last?.score else { continue }
            recall.append(Double(min(truth.count, found.filter { $0.score <= threshold + 1e-6 }.count)) / Double(truth.count))
        }
        return ["in-memory copy of the vectors (annals-api --vector-search memory): \(index.chunkCount) chunks loaded in "
            + "\(format(loadSeconds, 1)) s; nearest 10 in scope: p50 \(format(latency.percentile(0.5), 3)) ms, "
            + "p99 \(format(latency.percentile(0.99), 3)) ms (one thread); recall@10 against exact search \(format(Measured.mean(recall), 3))"]
    }

    static func searches(_ generator: LoreGenerator, documents: Int, queries count: Int, warmup: Int,
                         sweep: [(String, SearchSettings)], projection: KnowledgeBaseProjection,
                         connection: PostgresConnection) throws -> [String] {
        let embedder = try HashingEmbedder(dimension: projection.settings.dimension)
        let queries = (0..<count).map { n -> (query: SearchQuery, embedding: [Float]) in
            let drawn = generator.query(n, documents: documents)
            return (SearchQuery(worldID: drawn.worldID, text: drawn.text, limit: 10), embedder.embedOne(drawn.text))
        }
        let inScope = try connection.execute("""
            SELECT avg(n)::float8 AS mean, min(n) AS least, max(n) AS most FROM (
                SELECT (SELECT count(*) FROM \(quoteIdentifier(projection.schema)).chunks c
                        WHERE c.world_id = w.world_id OR c.world_id IS NULL) AS n
                FROM (SELECT DISTINCT world_id FROM \(quoteIdentifier(projection.schema)).chunks WHERE world_id IS NOT NULL) w
            ) per_world
            """).rows[0]
        var lines = ["", "search: \(count) world-filtered queries (after \(warmup) warm-up queries), k = 10; chunks in scope per world: "
            + "mean \(format(try inScope.double("mean"), 0)), min \(try inScope.int("least")), max \(try inScope.int("most"))"]
        lines.append("example query: world \(queries[0].query.worldID ?? "-"): \"\(queries[0].query.text)\"")

        // The truth: every chunk in scope compared, once per query.
        let exactSearch = KnowledgeBaseSearch(schema: projection.schema, embedder: embedder)
        var exactLatency = Latencies()
        var exact: [[SearchCandidate]] = []
        let progress = ProgressLine("exact nearest neighbours")
        let started = now()
        for (index, query) in queries.enumerated() {
            exact.append(try exactLatency.time {
                try exactSearch.nearestChunks(to: query.embedding, worldID: query.query.worldID, limit: 10, scan: .exact,
                                              connection: connection)
            })
            progress.update(done: index + 1, total: queries.count, started: started, force: index + 1 == queries.count, unit: "queries/s")
        }
        progress.finish()

        lines += try inMemoryCopy(queries: queries, exact: exact, projection: projection, connection: connection)

        // Settings take turns query by query, so that other load on the machine falls on all of them alike.
        let searches = sweep.map { KnowledgeBaseSearch(schema: projection.schema, embedder: embedder, settings: $0.1) }
        var results = sweep.map { Measured(label: label($0.1)) }
        for query in queries.prefix(warmup) {
            for search in searches {
                _ = try search.search(query.query, embedding: embedder.embedOne(query.query.text), connection: connection)
            }
        }
        let loadBefore = loadAverage()
        let measuring = ProgressLine("search, \(sweep.count) settings per query")
        let measuringStarted = now()
        for (index, query) in queries.enumerated() {
            let truth = exact[index]
            let ids = Set(truth.map(\.chunk))
            let wanted = min(10, truth.count)
            for (setting, search) in searches.enumerated() {
                let candidates = max(search.settings.candidatesPerMethod, 10)
                let nearest = try results[setting].vector.time {
                    try search.nearestChunks(to: query.embedding, worldID: query.query.worldID, limit: candidates,
                                             connection: connection)
                }
                _ = try results[setting].text.time {
                    try search.matchingChunks(query.query.text, worldID: query.query.worldID, limit: candidates,
                                              connection: connection)
                }
                _ = try results[setting].hybrid.time {
                    try search.search(query.query, embedding: embedder.embedOne(query.query.text), connection: connection)
                }
                let top = nearest.prefix(10)
                if top.count < 10 { results[setting].short += 1 }
                if wanted > 0, let threshold = truth.last?.score {
                    results[setting].recall.append(
                        Double(min(wanted, top.filter { $0.score <= threshold + 1e-6 }.count)) / Double(wanted))
                    results[setting].idRecall.append(Double(top.filter { ids.contains($0.chunk) }.count) / Double(wanted))
                }
            }
            measuring.update(done: index + 1, total: queries.count, started: measuringStarted, force: index + 1 == queries.count,
                             unit: "queries/s")
        }
        measuring.finish()

        let plan = try exactSearch.queryPlans(queries[0].query, embedding: queries[0].embedding, analyze: true, connection: connection)
        lines.append("plan of the vector query (default settings, EXPLAIN ANALYZE of the example, after the measurements):")
        let shown = (plan.first?.plan ?? []).filter { !$0.contains("Buffers:") && !$0.contains("Storage:") }
        lines += shown.prefix(26).map { line in "    " + (line.count > 150 ? line.prefix(147) + "…" : line) }

        let header = pad("settings", 40) + pad("vector p50", 11, right: true) + pad("p99", 8, right: true)
            + pad("text p50", 10, right: true) + pad("p99", 8, right: true) + pad("hybrid p50", 11, right: true)
            + pad("p99", 8, right: true) + pad("recall@10", 11, right: true) + pad("min", 6, right: true)
            + pad("ids", 7, right: true) + pad("<10", 5, right: true)
        lines.append("")
        lines.append("latency in ms (one client, sequential; the settings take turns query by query); recall@10 of the HNSW vector query against exact search; "
            + "1-minute load average before/after: \(loadBefore) / \(loadAverage())")
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        lines.append(pad("exact (index off), for reference", 40) + pad(format(exactLatency.percentile(0.5), 2), 11, right: true)
            + pad(format(exactLatency.percentile(0.99), 2), 8, right: true))
        for measured in results {
            lines.append(pad(measured.label, 40)
                + pad(format(measured.vector.percentile(0.5), 2), 11, right: true)
                + pad(format(measured.vector.percentile(0.99), 2), 8, right: true)
                + pad(format(measured.text.percentile(0.5), 2), 10, right: true)
                + pad(format(measured.text.percentile(0.99), 2), 8, right: true)
                + pad(format(measured.hybrid.percentile(0.5), 2), 11, right: true)
                + pad(format(measured.hybrid.percentile(0.99), 2), 8, right: true)
                + pad(format(Measured.mean(measured.recall), 3), 11, right: true)
                + pad(format(measured.recall.min() ?? .nan, 1), 6, right: true)
                + pad(format(Measured.mean(measured.idRecall), 3), 7, right: true)
                + pad(String(measured.short), 5, right: true))
        }
        lines.append("recall@10: share of the vector query's first 10 within the exact 10th-nearest distance (ties count), "
            + "mean over queries; min: worst query; ids: same by chunk id; <10: queries given fewer than 10 chunks")
        let defaults = SearchSettings()
        if let chosen = results.first(where: { $0.label == label(defaults) }) {
            let recall = Measured.mean(chosen.recall)
            let p99 = max(chosen.vector.percentile(0.99), chosen.hybrid.percentile(0.99))
            lines.append("targets at the defaults (\(chosen.label)): recall@10 ≥ 0.95 → \(format(recall, 3)) "
                + (recall >= 0.95 ? "MET" : "NOT MET") + "; p99 ≤ 20 ms → vector \(format(chosen.vector.percentile(0.99), 2)) ms, "
                + "hybrid \(format(chosen.hybrid.percentile(0.99), 2)) ms " + (p99 <= 20 ? "MET" : "NOT MET"))
        }
        return lines
    }
}

import AnnalsEvents
import ArgumentParser
import Foundation
import Kafka
import KnowledgeBase
import Logging
import Postgres
import Projection

/// `annals-bench kb-replay`: the knowledge base rebuilt at corpus scale, as `annals replay kb` does it, with every
/// embedding already in the embedding cache; against the live worker's path, which keeps the HNSW index up to date.
struct KnowledgeBaseReplayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb-replay",
        abstract: "Rebuild the knowledge base from its topic at corpus scale: live ingest, blue/green replay, recall.",
        discussion: """
        Starts an in-process Kafka dev cluster, produces deterministic lore documents until they make --chunks chunks, \
        then:
          1. live ingest: the projection runner (ProjectionRebuild.inPlace: the worker's batches, its HNSW, GIN and \
        world indexes kept up to date) applies them, embedding through the embedding cache as a model would; the \
        ingest rate is reported around 10k, 50k and 100k chunks;
          2. blue/green replay: ShadowReplay start, build, index build and swap, exactly as `annals replay kb` runs \
        them, with every embedding a cache hit; the swapped-in tables are checked equal to step 1's;
          3. in-place rebuild with the same cache hits and the indexes kept up to date (the replay's path before it \
        deferred them), for comparison (--skip-in-place leaves it out);
          4. recall@10 of the HNSW index against exact search on the replayed tables.
        The embedder is the hashing one presented as a remote model (not a LocalEmbedder), so its vectors go through \
        the cache like all-MiniLM-L6-v2's and a replay reads them back: what a replay costs does not depend on the model.
        DESTRUCTIVE for the target database: it rebuilds the kb schema. Use a scratch database.
        """)

    @Option(help: "Chunks to ingest (documents are generated until there are this many).") var chunks = 100_000
    @Option(help: "Worlds the documents are spread over.") var worlds = 100
    @Option(help: "Distinct invented words.") var vocabulary = 3_000
    @Option(help: "Embedding dimension.") var dimension = 384
    @Option(help: "Most events per worker transaction.") var batchSize = 500
    @Option(help: "World-filtered queries for recall@10.") var queries = 200
    @Option(help: "libpq URL of a scratch database (default: $DATABASE_URL).") var databaseURL: String?
    @Flag(help: "Skip step 3, the in-place rebuild with the indexes kept up to date.") var skipInPlace = false

    func validate() throws {
        guard chunks >= 100, worlds >= 1, batchSize >= 1, queries >= 1, vocabulary >= 100, dimension >= 1 else {
            throw ValidationError("--chunks must be ≥ 100, --worlds, --batch-size, --queries and --dimension ≥ 1, --vocabulary ≥ 100")
        }
    }

    func run() async throws {
        let url = try benchStart(databaseURL: databaseURL)
        let started = now()
        let generator = LoreGenerator(vocabularySize: vocabulary, worlds: worlds, globalShare: 0.1)
        let embedder = try CacheBackedHashingEmbedder(dimension: dimension)
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: dimension), embedder: embedder)
        let corpus = try Self.corpus(generator, chunks: chunks, projection: projection)
        log("corpus: \(corpus.documents) documents, \(corpus.chunks) chunks, \(corpus.partitions) partitions of document-ingested")

        let cluster = try KafkaDevCluster(brokers: 1)
        try cluster.createTopic(AnnalsTopic.documentIngested.rawValue, partitions: Int32(corpus.partitions), replicationFactor: 1)
        try cluster.createTopic(AnnalsTopic.storyEvent.rawValue, partitions: 1, replicationFactor: 1)
        let kafka = KafkaConfig(brokers: cluster.bootstrapServers)
        try await Self.produce(corpus, generator: generator, kafka: kafka)
        try await onThread("clear-cache") {
            let connection = try PostgresConnection(conninfo: url)
            try ProjectionMigrator.migrate(projection, connection: connection)
            try connection.execute("DELETE FROM \(EmbeddingCache.schema).embeddings WHERE model = $1", [PostgresValue(embedder.model)])
        }
        let settings = RunnerStateMachine.Settings(maxBatch: batchSize)
        let perDocument = Double(corpus.chunks) / Double(corpus.documents)
        var lines: [String] = []

        // 1. Live ingest.
        let live = try await Self.inPlace(projection, kafka: kafka, url: url, settings: settings, label: "live ingest")
        let liveChecksums = try await onThread("checksums") {
            try TableChecksum.checksums(of: projection, connection: try PostgresConnection(conninfo: url)).map(\.checksum)
        }
        lines.append("1. live ingest (runner, indexes kept up to date, embeddings computed and cached): "
            + "\(corpus.chunks) chunks in \(format(live.seconds, 1)) s = \(format(Double(corpus.chunks) / live.seconds, 0)) chunks/s")
        for milestone in [10_000, 50_000, 100_000] where milestone <= corpus.chunks {
            if let rate = live.rate(around: Double(milestone) / perDocument) {
                lines.append("   at \(milestone / 1000)k chunks: \(format(rate * perDocument, 0)) chunks/s "
                    + "(over the last 10% before it)")
            }
        }

        // 2. Blue/green replay.
        let replay = try await Self.blueGreen(projection, kafka: kafka, url: url, settings: settings)
        let replayed = try await onThread("checksums") {
            try TableChecksum.checksums(of: projection, connection: try PostgresConnection(conninfo: url)).map(\.checksum)
        }
        guard replayed == liveChecksums else { throw ValidationError("the replayed tables differ from the live ingest's") }
        let total = replay.load + replay.indexes + replay.swap
        lines.append("2. blue/green replay (annals replay kb: shadow loaded without its indexes, built once, swapped): "
            + "\(format(total, 1)) s = \(format(Double(corpus.chunks) / total, 0)) chunks/s end to end; "
            + "load \(format(replay.load, 1)) s (\(format(Double(corpus.chunks) / replay.load, 0)) chunks/s), "
            + "index build \(format(replay.indexes, 1)) s, swap \(format(replay.swap, 2)) s; tables equal to step 1's")

        // 3. In-place with the indexes kept up to date.
        if !skipInPlace {
            let inPlace = try await Self.inPlace(projection, kafka: kafka, url: url, settings: settings, label: "in-place rebuild")
            lines.append("3. in-place rebuild, same cache hits, indexes kept up to date: \(format(inPlace.seconds, 1)) s = "
                + "\(format(Double(corpus.chunks) / inPlace.seconds, 0)) chunks/s (replay is \(format(inPlace.seconds / total, 1))x faster)")
        }

        // 4. Recall.
        let (queries, documents) = (self.queries, corpus.documents)
        let recall = try await onThread("recall") {
            try KnowledgeBaseBench.searches(generator, documents: documents, queries: queries, warmup: 10,
                                            sweep: [("defaults", SearchSettings())], projection: projection,
                                            connection: try PostgresConnection(conninfo: url))
        }

        print("")
        print("annals-bench kb-replay: chunks=\(corpus.chunks) documents=\(corpus.documents) worlds=\(worlds) dimension=\(dimension) "
            + "batch-size=\(batchSize) partitions=\(corpus.partitions); machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")
        lines.forEach { print($0) }
        recall.forEach { print($0) }
        print("peak memory (max RSS of the process): \(mebibytes(Memory.processPeak()))")
        print("benchmark wall time: \(format(now() - started, 1)) s")
    }

    // MARK: - Phases

    struct Corpus {
        var documents: Int
        var chunks: Int
        var partitions: Int
    }

    /// Documents until `chunks` chunks, and the partitions the mock broker needs to hold them all (`MockBroker`).
    static func corpus(_ generator: LoreGenerator, chunks target: Int, projection: KnowledgeBaseProjection) throws -> Corpus {
        var (documents, chunks, bytes) = (0, 0, 0)
        while chunks < target {
            let event = generator.event(documents)
            chunks += DocumentPlan.make(event, chunking: projection.settings.chunking).chunks.count
            let value: [UInt8] = try event.serializedBytes()
            bytes += value.count + event.documentID.utf8.count + 80
            documents += 1
        }
        return Corpus(documents: documents, chunks: chunks, partitions: MockBroker.partitions(holding: Double(bytes)))
    }

    static func produce(_ corpus: Corpus, generator: LoreGenerator, kafka: KafkaConfig) async throws {
        var config = kafka
        config["linger.ms"] = "5"
        config["queue.buffering.max.messages"] = "500000"
        let producer = try KafkaProducer(config: config, logger: Logger(label: "annals.bench.producer"))
        let topic = AnnalsTopic.documentIngested.rawValue
        let header = KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.documentIngested.messageTypeName.utf8))
        let progress = ProgressLine("produce")
        let started = now()
        var index = 0
        while index < corpus.documents {
            let end = min(index + 5_000, corpus.documents)
            let records = try (index..<end).map { i -> KafkaRecord in
                let event = generator.event(i)
                return KafkaRecord(topic: topic, key: Array(event.documentID.utf8), value: try event.serializedBytes(),
                                   headers: [header], partition: Int32(i % corpus.partitions))
            }
            for result in await producer.sendAll(records) { _ = try result.get() }
            index = end
            progress.update(done: index, total: corpus.documents, started: started, force: index == corpus.documents)
        }
        progress.finish()
        try MockBroker.requireWholeBacklog(topic: topic, partitions: corpus.partitions, expected: corpus.documents, kafka: kafka)
    }

    /// A run's progress over time, in documents.
    struct Timeline {
        var seconds: Double
        var points: [(seconds: Double, done: Double)]

        /// Documents per second over the last 10% of the documents before `done` (nil when not enough points).
        func rate(around done: Double) -> Double? {
            guard let end = points.first(where: { $0.done >= done }),
                  let start = points.last(where: { $0.done <= done * 0.9 }), end.seconds > start.seconds else { return nil }
            return (end.done - start.done) / (end.seconds - start.seconds)
        }
    }

    static func inPlace(_ projection: KnowledgeBaseProjection, kafka: KafkaConfig, url: String,
                        settings: RunnerStateMachine.Settings, label: String) async throws -> Timeline {
        let progress = ProgressLine(label)
        let points = Locked<[(seconds: Double, done: Double)]>([])
        let started = now()
        let result = try await onThread(label) {
            try ProjectionRebuild.inPlace(projection, kafka: kafka, databaseURL: url, settings: settings,
                                          logger: Logger(label: "annals.bench.kb")) { snapshot in
                points.update { $0.append((now() - started, Double(snapshot.done))) }
                progress.update(done: Int(snapshot.done), total: Int(snapshot.total), started: started,
                                force: snapshot.done == snapshot.total, unit: "documents/s")
            }
        }
        progress.finish()
        guard result.done == result.total else { throw ValidationError("\(label) stopped at \(result.done) of \(result.total)") }
        return Timeline(seconds: now() - started, points: points.value)
    }

    struct Replayed {
        var load: Double
        var indexes: Double
        var swap: Double
    }

    static func blueGreen(_ projection: KnowledgeBaseProjection, kafka: KafkaConfig, url: String,
                          settings: RunnerStateMachine.Settings) async throws -> Replayed {
        let progress = ProgressLine("blue/green replay")
        return try await onThread("replay") {
            let connection = try PostgresConnection(conninfo: url)
            let logger = Logger(label: "annals.bench.replay")
            let started = now()
            let targets = try ProjectionRebuild.targets(for: projection, until: nil, kafka: kafka, logger: logger)
            let record = try ShadowReplay.start(projection, targets: targets, swaps: true, until: nil, connection: connection)
            let result = try ShadowReplay.build(record, projection: projection, kafka: kafka, databaseURL: url,
                                                settings: settings, logger: logger) { snapshot in
                progress.update(done: Int(snapshot.done), total: Int(snapshot.total), started: started,
                                force: snapshot.done == snapshot.total, unit: "documents/s")
            }
            progress.finish()
            guard result.done == result.total else { throw ValidationError("the replay stopped at \(result.done) of \(result.total)") }
            let loaded = now()
            log("building the shadow's indexes")
            try ShadowReplay.buildIndexes(record, projection: projection, connection: connection)
            let indexed = now()
            try ShadowReplay.swap(record, projection: projection, connection: connection)
            return Replayed(load: loaded - started, indexes: indexed - loaded, swap: now() - indexed)
        }
    }
}

/// The hashing embedder presented as a remote model: not a `LocalEmbedder`, so the projection embeds through the
/// embedding cache, as it does with all-MiniLM-L6-v2, and a replay reads the vectors back from it.
struct CacheBackedHashingEmbedder: Embedder {
    let hashing: HashingEmbedder
    var model: String { "bench-\(hashing.model)-through-the-cache" }
    var dimension: Int { hashing.dimension }

    init(dimension: Int) throws { hashing = try HashingEmbedder(dimension: dimension) }

    func embed(_ texts: [String]) async throws -> [[Float]] { texts.map(hashing.embedOne) }
}

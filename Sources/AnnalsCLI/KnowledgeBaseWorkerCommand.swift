import ArgumentParser
import Foundation
import KnowledgeBase
import Logging
import SentenceEmbedding

/// `annals-kb-worker`: projects document-ingested into the kb schema until SIGTERM.
public struct KnowledgeBaseWorkerCommand: WorkerCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-kb-worker",
        abstract: "Project document-ingested and story-event into the kb schema (chunks, vectors, concepts, relationships).",
        discussion: """
        A newer version of a document replaces its chunks in the same transaction; an older one arriving late \
        changes nothing. Concepts and relationships come from documents' declarations and story events' \
        updates. The default embedder is all-MiniLM-L6-v2, run in process (--model-dir); the tables record the \
        embedder they were built with, and another embedder or dimension stops the worker at start-up with the \
        `annals replay kb` that switches them. \
        `annals migrate`, `annals replay kb` and `annals search` read the embedder from the same environment \
        (ANNALS_KB_DIMENSION, ANNALS_EMBEDDER, ANNALS_MODEL_DIR, ANNALS_EMBEDDING_URL, ANNALS_EMBEDDING_MODEL, and \
        AWS_REGION, AWS_ENDPOINT_URL and the AWS credentials for bedrock). --embedder bedrock calls Amazon Titan Text \
        Embeddings v2 (InvokeModel on bedrock-runtime, one text per call, --embedding-concurrency at once) at 256, 512 \
        or 1024 dimensions, signing with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or the ECS task role. \
        Model and remote embeddings are cached in kb_cache.embeddings, so a replay never pays for one twice. SIGTERM finishes \
        the batch in flight, commits and exits 0.
        """)

    @OptionGroup var worker: WorkerOptions
    @OptionGroup(title: "Embeddings") var embedding: EmbedderOptions
    @Option(help: ArgumentHelp(
        "Embedding dimension: the vector(d) of kb.chunks.embedding (default: $ANNALS_KB_DIMENSION, else 384; 1024 with "
            + "--embedder bedrock)."))
    var dimension: Int?
    @Option(help: "HNSW graph degree (m), used when the index is created.") var hnswM = 16
    @Option(help: "HNSW ef_construction, used when the index is created.") var hnswEfConstruction = 64
    @Option(help: "Target chunk size in characters.") var chunkTarget = 800
    @Option(help: "Characters of the previous chunk repeated at the start of the next.") var chunkOverlap = 100

    public static let environmentVariables = WorkerOptions.environmentVariables
        .merging(EmbedderOptions.environmentVariables) { first, _ in first }
        .merging(["dimension": ["ANNALS_KB_DIMENSION"]]) { first, _ in first }
    public static let loggerLabel = "annals.kb-worker"

    public init() {}

    public func run() async throws {
        let settings = KnowledgeBaseSettings(
            dimension: try dimension ?? KnowledgeBaseSettings.dimensionFromEnvironment(default: embedding.defaultDimension()),
            chunking: ChunkingSettings(targetCharacters: chunkTarget, overlapCharacters: chunkOverlap,
                                       maxCharacters: max(chunkTarget * 3 / 2, chunkTarget)),
            hnswM: hnswM, hnswEfConstruction: hnswEfConstruction)
        let embedder = try embedding.makeEmbedder(dimension: settings.dimension)
        if let miniLM = embedder as? MiniLMEmbedder {
            do {
                try miniLM.load()  // a missing or broken weights file stops the worker here, not on the first document
            } catch {
                throw CLIError("\(error)")
            }
        }
        let projection: KnowledgeBaseProjection
        do {
            projection = try KnowledgeBaseProjection(settings: settings, embedder: embedder)
        } catch {
            throw CLIError("\(error)")
        }
        try await worker.run(projection, logger: Logger(label: Self.loggerLabel), settings: [
            "embedder": "\((embedder as? any CustomStringConvertible)?.description ?? embedder.model)", "dimension": "\(settings.dimension)", "hnsw-m": "\(hnswM)",
            "hnsw-ef-construction": "\(hnswEfConstruction)", "chunk-target": "\(chunkTarget)", "chunk-overlap": "\(chunkOverlap)",
        ])
    }
}

extension KnowledgeBaseSettings {
    /// ANNALS_KB_DIMENSION, else `fallback` (the embedder's default).
    static func dimensionFromEnvironment(default fallback: Int) -> Int {
        ProcessInfo.processInfo.environment["ANNALS_KB_DIMENSION"].flatMap(Int.init) ?? fallback
    }
}

import ArgumentParser
import Foundation
import KnowledgeBase
import Logging

/// `annals-kb-worker`: projects document-ingested into the kb schema until SIGTERM.
public struct KnowledgeBaseWorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-kb-worker",
        abstract: "Project document-ingested into kb.documents and kb.chunks (PII scrubbed, chunked, embedded).",
        discussion: """
        A newer version of a document replaces its chunks in the same transaction; an older one arriving late \
        changes nothing. The embedding dimension must match the tables (`annals migrate` and `annals replay kb` \
        read it from ANNALS_KB_DIMENSION); a mismatch stops the worker at start-up. SIGTERM finishes the batch \
        in flight, commits and exits 0.
        """)

    @OptionGroup var worker: WorkerOptions
    @Option(help: "Embedding dimension of the hashing embedder (default: $ANNALS_KB_DIMENSION, else 384).")
    var dimension: Int?
    @Option(help: "HNSW graph degree (m), used when the index is created.") var hnswM = 16
    @Option(help: "HNSW ef_construction, used when the index is created.") var hnswEfConstruction = 64
    @Option(help: "Target chunk size in characters.") var chunkTarget = 800
    @Option(help: "Characters of the previous chunk repeated at the start of the next.") var chunkOverlap = 100

    public init() {}

    public func run() async throws {
        let settings = KnowledgeBaseSettings(
            dimension: dimension ?? KnowledgeBaseSettings.dimensionFromEnvironment(),
            chunking: ChunkingSettings(targetCharacters: chunkTarget, overlapCharacters: chunkOverlap,
                                       maxCharacters: max(chunkTarget * 3 / 2, chunkTarget)),
            hnswM: hnswM, hnswEfConstruction: hnswEfConstruction)
        let projection: KnowledgeBaseProjection
        do {
            projection = try KnowledgeBaseProjection(settings: settings)
        } catch {
            throw CLIError("\(error)")
        }
        try await worker.run(projection, logger: Logger(label: "annals.kb-worker"))
    }
}

extension KnowledgeBaseSettings {
    /// ANNALS_KB_DIMENSION, else the default.
    static func dimensionFromEnvironment() -> Int {
        ProcessInfo.processInfo.environment["ANNALS_KB_DIMENSION"].flatMap(Int.init) ?? KnowledgeBaseSettings().dimension
    }
}

import ArgumentParser
import Dispatch
import Foundation
import KnowledgeBase
import SentenceEmbedding
import Synchronization

/// `annals-bench embed`: the all-MiniLM-L6-v2 embedder's speed on this machine. Query embedding latency on one
/// thread (what one search request pays), and chunk embedding throughput on one thread and on every core (what
/// ingest and an uncached replay pay), over the chunks of the sample corpus.
struct EmbeddingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Measure all-MiniLM-L6-v2: query embedding latency (one core) and chunk embedding throughput.",
        discussion: """
        Queries are the sample corpus's judged queries (Samples/knowledge-base/*queries*.yaml) repeated to \
        --queries; chunks are the sample documents chunked as the kb worker does (800-character target), repeated \
        to --chunks. Prints p50/p99 of one query's embedding, chunks and tokens per second on one thread and on \
        --threads threads, and the peak RSS.
        """)

    @Option(help: "Query embeddings timed (after --warmup).") var queries = 500
    @Option(help: "Query embeddings run before timing.") var warmup = 20
    @Option(help: "Chunks embedded per throughput run.") var chunks = 200
    @Option(help: "Threads for the parallel throughput run (default: the cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "The model directory (default: as annals-kb-worker finds it).") var modelDir: String?
    @Option(help: "The sample corpus.") var samples = "Samples/knowledge-base"

    func run() async throws {
        let loadStart = now()
        let miniLM = try MiniLM(directory: try ModelLocation.find(given: modelDir))
        let loadSeconds = now() - loadStart
        let queryTexts = try Self.queries(in: samples)
        let chunkTexts = try Self.chunks(in: samples + "/documents")
        guard !queryTexts.isEmpty, !chunkTexts.isEmpty else { throw ValidationError("no queries or documents under \(samples)") }

        for index in 0..<warmup { _ = miniLM.vector(queryTexts[index % queryTexts.count]) }
        var latencies = KnowledgeBaseBench.Latencies()
        for index in 0..<queries { _ = latencies.time { miniLM.vector(queryTexts[index % queryTexts.count]) } }
        let queryTokens = queryTexts.map(miniLM.tokenCount).reduce(0, +) / queryTexts.count

        let batch = (0..<chunks).map { chunkTexts[$0 % chunkTexts.count] }
        let chunkTokens = batch.map(miniLM.tokenCount).reduce(0, +)
        let oneStart = now()
        for text in batch { _ = miniLM.vector(text) }
        let oneSeconds = now() - oneStart
        let parallelStart = now()
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < batch.count else { return }
                _ = miniLM.vector(batch[index])
            }
        }
        let parallelSeconds = now() - parallelStart
        let batchedStart = now()
        _ = miniLM.vectors(batch)
        let batchedSeconds = now() - batchedStart
        let queryBatch = (0..<64).map { queryTexts[$0 % queryTexts.count] }
        let queryBatchStart = now()
        _ = miniLM.vectors(queryBatch)
        let queryBatchSeconds = now() - queryBatchStart

        print("all-MiniLM-L6-v2 on OpenBLAS (one thread per product), model loaded in \(format(loadSeconds, 2)) s")
        print("query embedding, one thread, \(queries) queries of \(queryTokens) tokens on average: "
            + "p50 \(format(latencies.percentile(0.5), 2)) ms, p99 \(format(latencies.percentile(0.99), 2)) ms "
            + "(target p50 ≤ 8 ms: \(format(latencies.percentile(0.5) / 8, 2))x of it)")
        print("chunk embedding, \(batch.count) chunks of \(chunkTokens / batch.count) tokens on average:")
        print("  1 thread:  \(format(Double(batch.count) / oneSeconds, 1)) chunks/s, "
            + "\(format(Double(chunkTokens) / oneSeconds, 0)) tokens/s")
        print("  \(threads) threads: \(format(Double(batch.count) / parallelSeconds, 1)) chunks/s, "
            + "\(format(Double(chunkTokens) / parallelSeconds, 0)) tokens/s")
        print("  1 thread, encoded in passes of up to 2,048 tokens: \(format(Double(batch.count) / batchedSeconds, 1)) chunks/s, "
            + "\(format(Double(chunkTokens) / batchedSeconds, 0)) tokens/s")
        print("queries embedded 64 at once, one thread: \(format(Double(queryBatch.count) / queryBatchSeconds, 0)) queries/s "
            + "(\(format(queryBatchSeconds * 1_000 / Double(queryBatch.count), 2)) ms each)")
        print("peak RSS \(format(Double(Memory.processPeak()) / 1024, 1)) MiB")
    }

    /// The `query:` values of every queries file of the sample corpus.
    static func queries(in directory: String) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") && $0.contains("queries") }.sorted()
        return try files.flatMap { file in
            try String(contentsOfFile: directory + "/" + file, encoding: .utf8).split(separator: "\n").compactMap { line in
                guard let start = line.range(of: "query: \"") else { return nil }
                let rest = line[start.upperBound...]
                return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
            }
        }
    }

    /// The sample documents' chunks, as the kb worker cuts them.
    static func chunks(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".md") }.sorted()
            .flatMap { Chunker.chunk(try String(contentsOfFile: directory + "/" + $0, encoding: .utf8)).map(\.text) }
    }
}

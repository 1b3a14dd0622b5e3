import Dispatch
import Foundation
import KnowledgeBase
import Synchronization

/// all-MiniLM-L6-v2 for search queries arriving concurrently: the queries waiting when a pass starts are encoded
/// together (`MiniLM.vectors`), so each layer's weights are read once for all of them instead of once per query,
/// which is what a single short query spends most of its time on. One pass runs per core, on threads of its own
/// that live as long as the process (a server makes one batcher).
///
/// A vector may differ in its last bits from the same text encoded alone, so this embeds queries only: the
/// vectors a projection stores come from `MiniLMEmbedder`, one text at a time.
public final class MiniLMQueryBatcher: Embedder, CustomStringConvertible {
    public var model: String { embedder.model }
    public var dimension: Int { embedder.dimension }
    public var description: String { "\(embedder.description), queries batched" }
    /// Most queries one pass encodes: a larger pass reads the weights fewer times, but every query in it waits for
    /// the whole pass.
    public let queriesPerPass: Int

    /// Passes run so far.
    public var passes: Int { passesRun.load(ordering: .relaxed) }

    private let embedder: MiniLMEmbedder
    private let passesRun = Atomic<Int>(0)
    private let waiting = Mutex<[Query]>([])
    private let arrivals = DispatchSemaphore(value: 0)

    private struct Query {
        let text: String
        let continuation: CheckedContinuation<[Float], any Error>
    }

    /// A batcher running `concurrentPasses` passes at a time (default: one per core) of at most `queriesPerPass` queries.
    public init(_ embedder: MiniLMEmbedder, concurrentPasses: Int = ProcessInfo.processInfo.activeProcessorCount,
                queriesPerPass: Int = 8) {
        self.embedder = embedder
        self.queriesPerPass = max(queriesPerPass, 1)
        for index in 0..<max(concurrentPasses, 1) {
            let thread = Thread { [self] in self.encodeForever() }
            thread.name = "minilm-queries-\(index)"
            thread.start()
        }
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await self.embedOne(text)) }
            }
            var vectors = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { vectors[index] = vector }
            return vectors
        }
    }

    private func embedOne(_ text: String) async throws -> [Float] {
        try await withCheckedThrowingContinuation { continuation in
            waiting.withLock { $0.append(Query(text: text, continuation: continuation)) }
            arrivals.signal()
        }
    }

    /// One pass thread: waits for a query, takes it and those waiting behind it (up to `queriesPerPass`), encodes them.
    private func encodeForever() {
        while true {
            arrivals.wait()
            let batch = waiting.withLock { waiting -> [Query] in
                let taken = Array(waiting.prefix(queriesPerPass))
                waiting.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { continue }  // another pass took this arrival's query with its own
            passesRun.add(1, ordering: .relaxed)
            do {
                let miniLM = try embedder.load()
                for (query, vector) in zip(batch, miniLM.vectors(batch.map(\.text))) {
                    query.continuation.resume(returning: vector)
                }
            } catch {
                batch.forEach { $0.continuation.resume(throwing: error) }
            }
        }
    }
}

import Foundation
import KnowledgeBase

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
    public var queriesPerPass: Int { batcher.itemsPerPass }

    /// Passes run so far.
    public var passes: Int { batcher.passes }

    private let embedder: MiniLMEmbedder
    private let batcher: PassBatcher<String, [Float]>

    /// A batcher running `concurrentPasses` passes at a time (default: one per core) of at most `queriesPerPass` queries.
    public init(_ embedder: MiniLMEmbedder, concurrentPasses: Int = ProcessInfo.processInfo.activeProcessorCount,
                queriesPerPass: Int = 8) {
        self.embedder = embedder
        batcher = PassBatcher(name: "minilm-queries", threads: concurrentPasses, itemsPerPass: queriesPerPass) { texts in
            try embedder.load().vectors(texts)
        }
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await self.batcher.submit(text)) }
            }
            var vectors = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { vectors[index] = vector }
            return vectors
        }
    }
}

import Dispatch
import KnowledgeBase

/// The knowledge base's default embedder: `all-MiniLM-L6-v2` run in process. Not a `LocalEmbedder`: a vector costs
/// milliseconds, so the projection embeds through the embedding cache, and a replay computes nothing twice. Work
/// runs on Dispatch's threads, a text per core at once, never on the caller's (cooperative) thread.
public struct MiniLMEmbedder: Embedder {
    public let model: String = MiniLM.modelName
    public let dimension: Int = MiniLM.dimension
    private let miniLM: MiniLM

    public init(_ miniLM: MiniLM) {
        self.miniLM = miniLM
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let miniLM = self.miniLM
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                if texts.count == 1 {
                    continuation.resume(returning: [miniLM.vector(texts[0])])
                    return
                }
                let vectors = UnsafeVectors(count: texts.count)
                DispatchQueue.concurrentPerform(iterations: texts.count) { index in
                    vectors.store(miniLM.vector(texts[index]), at: index)
                }
                continuation.resume(returning: vectors.values)
            }
        }
    }
}

/// One slot per text, each written by exactly one iteration of `concurrentPerform` before it returns.
private final class UnsafeVectors: @unchecked Sendable {
    private var slots: [[Float]]
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func store(_ vector: [Float], at index: Int) {
        slots.withUnsafeMutableBufferPointer { $0[index] = vector }
    }
    var values: [[Float]] { slots }
}

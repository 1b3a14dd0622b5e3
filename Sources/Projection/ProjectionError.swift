/// Failures of the projection runtime, each saying what to do about it.
public enum ProjectionError: RemediableError, Equatable, Sendable {
    /// The tables were built by another version of the projection's code.
    case versionMismatch(projection: String, tables: Int, code: Int)
    /// No projection of that name exists.
    case unknownProjection(String, known: [String])
    /// A stored checkpoint points outside its partition's log.
    case checkpointOutsideLog(projection: String, detail: String)
    /// A partition with no checkpoint no longer starts at offset 0: its first events were deleted.
    case historyDeleted(projection: String, detail: String)
    /// The consumer was configured for cooperative (incremental) rebalancing, which the runner does not support.
    case cooperativeRebalancing(strategy: String)
    /// Topics the projection reads do not exist.
    case topicsMissing([String])

    public var description: String {
        switch self {
        case .versionMismatch(let projection, let tables, let code):
            "the \(projection) tables are version \(tables) but this code is version \(code)"
        case .unknownProjection(let name, let known):
            "no projection named \(name); known: \(known.joined(separator: ", "))"
        case .checkpointOutsideLog(let projection, let detail):
            "a \(projection) checkpoint points outside its partition's log (\(detail)): the topic was recreated or "
                + "trimmed, or the checkpoints belong to another cluster. Nothing was applied"
        case .historyDeleted(let projection, let detail):
            "the \(projection) projection starts from offset 0 but the partition's first events were deleted (\(detail)): "
                + "tables built from the rest would silently differ from the topic. Nothing was applied; restore the "
                + "topic's history (every Annals topic keeps it forever: retention.ms -1) and start the worker again"
        case .topicsMissing(let topics):
            "topic \(topics.joined(separator: ", ")) does not exist"
        case .cooperativeRebalancing(let strategy):
            "partition.assignment.strategy=\(strategy) rebalances incrementally, and the projection runner re-reads its "
                + "checkpoints only when all of a worker's partitions are revoked and assigned again (eager rebalancing): "
                + "a batch fenced during an incremental rebalance could skip offsets of the partitions the worker keeps. "
                + "Use range or roundrobin (the default is range)"
        }
    }

    public var remedy: Remedy? {
        switch self {
        case .versionMismatch(let projection, _, _), .checkpointOutsideLog(let projection, _):
            .replayInPlace(projection: projection)
        case .topicsMissing:
            .applyTopics
        case .unknownProjection, .historyDeleted, .cooperativeRebalancing:
            nil
        }
    }
}

/// A failure outside the database that retrying the same batch later may fix (a remote model timing out or
/// rate-limiting). The runner pauses the batch's partitions and retries with backoff; nothing is dead-lettered.
public struct TransientFailure: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Kafka
import Logging
import Postgres
import Synchronization

/// How far a rebuild has come.
public struct RebuildProgress: Sendable {
    /// Messages applied or dead-lettered so far.
    public var done: Int64
    /// Messages up to the high watermarks taken at start.
    public var total: Int64
    /// Messages an interrupted run had already applied when this one resumed it.
    public var resumedFrom: Int64 = 0
    public var elapsedSeconds: Double
    /// Each partition's checkpoint so far.
    public var reached: [TopicPartition: Int64] = [:]

    /// The rate of this run (not counting what an interrupted run did).
    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(done - resumedFrom) / elapsedSeconds : 0 }
    /// Seconds left at the current rate, nil before there is a rate.
    public var etaSeconds: Double? {
        eventsPerSecond > 0 ? Double(max(total - done, 0)) / eventsPerSecond : nil
    }
}

/// Rebuilds a projection's tables from offset 0.
public enum ProjectionRebuild {
    /// Low and high watermarks of every partition of the projection's topics.
    public static func watermarks(for projection: any Projection, admin: KafkaAdmin) throws -> [TopicPartition: (low: Int64, high: Int64)] {
        let names = Set(projection.topics.map(\.rawValue))
        let watermarks = try admin.watermarks(ofTopics: names)
        let missing = names.subtracting(watermarks.keys.map(\.topic))
        guard missing.isEmpty else {
            throw ProjectionError.topicsMissing(missing.sorted())
        }
        return watermarks
    }

    /// Where a rebuild stops: each partition's high watermark. Refuses a log whose first events are gone,
    /// since tables rebuilt from part of a topic would silently differ from the live ones.
    public static func targets(for projection: any Projection, admin: KafkaAdmin) throws -> [TopicPartition: Int64] {
        let watermarks = try watermarks(for: projection, admin: admin)
        if let (partition, marks) = watermarks.sorted(by: { $0.key < $1.key }).first(where: { $0.value.low > 0 }) {
            throw RebuildError.historyDeleted(partition: partition, lowWatermark: marks.low)
        }
        return watermarks.mapValues(\.high)
    }

    /// In place: drops and recreates the tables, checkpoints and dead letters in one transaction, then applies
    /// every message up to `bound` (default: the high watermarks taken at start). A live worker is fenced by the
    /// reset checkpoints and continues from the rebuilt state. Once the rebuild is done, the projection's
    /// ``Projection/handOver(from:in:)`` gets the checkpoints the reset replaced, as after a swap. Those are kept
    /// until then: a rebuild stopped part-way (by `stop`, or killed) and run again hands over from them, not from the
    /// partial rebuild's checkpoints.
    public static func inPlace(_ projection: any Projection, until bound: ReplayBound? = nil, kafka: KafkaConfig,
                               databaseURL: String, settings: RunnerStateMachine.Settings = .init(), logger: Logger,
                               stop: StopSignal = StopSignal(),
                               progress: @escaping @Sendable (RebuildProgress) -> Void) throws -> RebuildProgress {
        let targets = try targets(for: projection, until: bound, kafka: kafka, logger: logger)
        let connection = try PostgresConnection(conninfo: databaseURL)
        let replaced = try connection.transaction { tx in
            try ProjectionMigrator.lock(tx)
            let pending = try PendingHandOver.begin(projection.name, in: tx)
            if pending.resumed {
                logger.info("an earlier in-place rebuild stopped part-way: this one hands over from its replaced checkpoints",
                            metadata: ["projection": "\(projection.name)"])
            }
            try ProjectionMigrator.recreate(projection, in: tx)
            return pending.replaced
        }
        let result = try run(projection, into: .live(projection), until: targets, kafka: kafka, databaseURL: databaseURL,
                             settings: settings, logger: logger, stop: stop, progress: progress)
        guard result.done >= result.total else { return result }
        // A connection of its own: the first one sat idle through the whole rebuild.
        try PostgresConnection(conninfo: databaseURL).transaction { tx in
            try projection.handOver(from: replaced, in: tx)
            try PendingHandOver.finish(projection.name, in: tx)
        }
        return result
    }

    /// The stop offsets of a rebuild: each partition's high watermark, or where `bound` falls before it.
    public static func targets(for projection: any Projection, until bound: ReplayBound?, kafka: KafkaConfig,
                               logger: Logger) throws -> [TopicPartition: Int64] {
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        let highs = try targets(for: projection, admin: admin)
        guard let bound else { return highs }
        var firstAtOrAfter: [TopicPartition: Int64?] = [:]
        if case .timestamp(let milliseconds) = bound {
            firstAtOrAfter = try KafkaTimeSearch.firstOffsets(
                atOrAfter: milliseconds, watermarks: highs.mapValues { (low: 0, high: $0) }, config: kafka, logger: logger)
        }
        return bound.stopOffsets(highWatermarks: highs, firstAtOrAfter: firstAtOrAfter)
    }

    /// Applies every message from `target`'s checkpoints (the start when there are none) up to `targets`, reading
    /// each partition outside any consumer group, until done or `stop` (the batch in flight is committed first).
    /// Resumes where an interrupted run into the same target stopped.
    public static func run(_ projection: any Projection, into target: ProjectionTarget, until targets: [TopicPartition: Int64],
                           kafka: KafkaConfig, databaseURL: String, settings: RunnerStateMachine.Settings = .init(),
                           logger: Logger, stop: StopSignal = StopSignal(),
                           progress: @escaping @Sendable (RebuildProgress) -> Void) throws -> RebuildProgress {
        let total = targets.values.reduce(0, +)
        let connection = try PostgresConnection(conninfo: databaseURL)
        let already = try CheckpointStore(projection: target.ledger).loadAll(connection: connection)
            .filter { targets[$0.key] != nil }
        let started = DispatchTime.now().uptimeNanoseconds
        let reached = Mutex<[TopicPartition: Int64]>(already)
        let resumedFrom = already.values.reduce(0, +)
        let snapshot: @Sendable () -> RebuildProgress = {
            let offsets = reached.withLock { $0 }
            return RebuildProgress(done: offsets.values.reduce(0, +), total: total, resumedFrom: resumedFrom,
                                   elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
                                   reached: offsets)
        }
        let configuration = RunnerConfiguration(
            kafka: kafka, groupID: "annals-replay-\(projection.name)-\(getpid())-\(started)", databaseURL: databaseURL,
            settings: settings, stopAt: targets, target: target)
        let runner = ProjectionRunner(projection: projection, configuration: configuration, logger: logger) { batch in
            reached.withLock { offsets in
                for (partition, next) in batch.checkpoints { offsets[partition] = next }
            }
            progress(snapshot())
        }
        try runner.run(until: stop)
        return snapshot()
    }
}

/// Why a rebuild cannot start.
public enum RebuildError: Error, Equatable, CustomStringConvertible {
    /// The partition no longer starts at offset 0.
    case historyDeleted(partition: TopicPartition, lowWatermark: Int64)

    public var description: String {
        switch self {
        case .historyDeleted(let partition, let low):
            "\(partition) now starts at offset \(low): its first \(low) events were deleted (retention, or the dev broker's "
                + "5 MiB per-partition limit), so the tables cannot be rebuilt exactly; the live tables were left untouched"
        }
    }
}

import Dispatch
import Kafka
import Logging
import Postgres

/// Blue/green rebuilds: a replay builds the projection into a shadow schema beside the live one while live workers
/// keep serving, then swaps it in and hands the live workers its checkpoints in one transaction. Each replay is
/// recorded in `annals.replays` (with its stop offsets in `annals.replay_targets`), so an interrupted one is
/// resumed or abandoned, never half-swapped.
public enum ShadowReplay {
    /// The shadow every replay of `projection` builds into.
    public static func target(_ projection: any Projection) -> ProjectionTarget {
        .shadow(projection, purpose: "shadow")
    }

    /// Records a new replay of `projection` stopping at `targets` and creates its empty shadow tables.
    /// `swaps` false keeps the shadow for inspection instead of swapping it in (state as of `until`).
    /// Refuses while another replay of the projection is unfinished.
    public static func start(_ projection: any Projection, targets: [TopicPartition: Int64], swaps: Bool,
                             until: String?, connection: PostgresConnection) throws -> ShadowReplayRecord {
        let shadow = target(projection)
        return try connection.transaction { tx in
            try ProjectionMigrator.lock(tx)
            if let unfinished = try ShadowReplayStore.load(projection.name, connection: tx) {
                throw ReplayError.unfinished(unfinished)
            }
            try ProjectionMigrator.createShadow(projection, target: shadow, in: tx)
            let record = ShadowReplayRecord(projection: projection.name, shadow: shadow, swaps: swaps, until: until,
                                            targets: targets)
            try ShadowReplayStore.insert(record, connection: tx)
            return record
        }
    }

    /// The unfinished replay of `projection`, if any.
    public static func unfinished(_ projection: any Projection, connection: PostgresConnection) throws -> ShadowReplayRecord? {
        try ShadowReplayStore.load(projection.name, connection: connection)
    }

    /// Builds (or goes on building) the shadow up to the record's stop offsets.
    public static func build(_ record: ShadowReplayRecord, projection: any Projection, kafka: KafkaConfig,
                             databaseURL: String, settings: RunnerStateMachine.Settings = .init(), logger: Logger,
                             progress: @escaping @Sendable (RebuildProgress) -> Void) throws -> RebuildProgress {
        try ProjectionRebuild.run(projection, into: record.shadow, until: record.targets, kafka: kafka,
                                  databaseURL: databaseURL, settings: settings, logger: logger, progress: progress)
    }

    /// Builds the indexes the shadow was loaded without (`Projection.deferredIndexes`), once it is built; returns the
    /// seconds it took. `swap` builds any still missing, so calling this first only moves the work out of the swap's
    /// transaction (and lets the caller say what is happening).
    @discardableResult
    public static func buildIndexes(_ record: ShadowReplayRecord, projection: any Projection,
                                    connection: PostgresConnection) throws -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        try connection.transaction { tx in
            try ProjectionMigrator.createDeferredIndexes(projection, schema: record.shadow.schema, in: tx)
        }
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    /// Swaps the finished shadow in, in one transaction: builds its deferred indexes if `buildIndexes` did not, waits
    /// for the live workers' transactions in flight (by locking the live tables), drops the live schema, renames the
    /// shadow to it, replaces the live checkpoints and dead letters with the shadow's, records the code's version and forgets the replay. Live workers are fenced
    /// by the new checkpoints and re-apply from them whatever they had applied past the stop offsets.
    /// A deadlock with a live worker's transaction (it waited on one table while holding another) is retried.
    public static func swap(_ record: ShadowReplayRecord, projection: any Projection, connection: PostgresConnection) throws {
        var attempt = 1
        while true {
            do {
                return try swapOnce(record, projection: projection, connection: connection)
            } catch let error as PostgresError where error.isTransactionRetryable && attempt < 5 {
                attempt += 1
            }
        }
    }

    private static func swapOnce(_ record: ShadowReplayRecord, projection: any Projection, connection: PostgresConnection) throws {
        try connection.transaction { tx in
            try ProjectionMigrator.lock(tx)
            guard let current = try ShadowReplayStore.load(projection.name, connection: tx), current == record else {
                throw ReplayError.noReplay(projection: projection.name)
            }
            let reached = try CheckpointStore(projection: record.shadow.ledger).loadAll(connection: tx)
            if let (partition, stop) = record.targets.sorted(by: { $0.key < $1.key })
                .first(where: { (reached[$0.key] ?? 0) != $0.value }) {
                throw ReplayError.shadowIncomplete(projection: projection.name, partition: partition,
                                                   reached: reached[partition] ?? 0, stop: stop)
            }
            try ProjectionMigrator.createDeferredIndexes(projection, schema: record.shadow.schema, in: tx)
            try ShadowReplayStore.swapSchemas(live: projection, shadow: record.shadow, connection: tx)
            try ShadowReplayStore.handOver(record, projection: projection, connection: tx)
            try ShadowReplayStore.delete(projection.name, connection: tx)
        }
    }

    /// Drops the unfinished replay's shadow, checkpoints and dead letters; the live tables are not touched.
    /// Returns the abandoned replay, nil when there was none.
    @discardableResult
    public static func abandon(_ projection: any Projection, connection: PostgresConnection) throws -> ShadowReplayRecord? {
        try connection.transaction { tx in
            try ProjectionMigrator.lock(tx)
            let record = try ShadowReplayStore.load(projection.name, connection: tx)
            try ProjectionMigrator.dropShadow(record?.shadow ?? target(projection), in: tx)
            try ShadowReplayStore.delete(projection.name, connection: tx)
            return record
        }
    }
}

/// A replay under way into a shadow schema.
public struct ShadowReplayRecord: Equatable, Sendable {
    public var projection: String
    public var shadow: ProjectionTarget
    /// Swaps the shadow in when built; false keeps it for inspection (state as of `until`).
    public var swaps: Bool
    /// The `--until` the replay was started with, as given.
    public var until: String?
    /// Each partition's stop offset.
    public var targets: [TopicPartition: Int64]

    public var total: Int64 { targets.values.reduce(0, +) }
}

/// Why a replay cannot go on.
public enum ReplayError: RemediableError, Equatable, Sendable {
    case unfinished(ShadowReplayRecord)
    case noReplay(projection: String)
    case shadowMissing(projection: String, schema: String)
    case shadowIncomplete(projection: String, partition: TopicPartition, reached: Int64, stop: Int64)
    case badBound(String)

    public var description: String {
        switch self {
        case .unfinished(let record):
            "a replay of \(record.projection) into \(record.shadow.schema) is unfinished"
                + (record.until.map { " (until \($0))" } ?? "")
        case .noReplay(let projection):
            "no replay of \(projection) is under way"
        case .shadowMissing(let projection, let schema):
            "the shadow schema \(schema) of the \(projection) replay does not exist"
        case .shadowIncomplete(let projection, let partition, let reached, let stop):
            "the \(projection) shadow reached \(partition)@\(reached), not its stop offset \(stop)"
        case .badBound(let text):
            "--until \(text): expected an offset (e.g. 12000) or an ISO 8601 time (e.g. 2026-11-25T10:00:00Z)"
        }
    }

    public var remedy: Remedy? {
        switch self {
        case .unfinished(let record): .resumeOrAbandonReplay(projection: record.projection)
        case .noReplay(let projection): .startReplay(projection: projection)
        case .shadowMissing(let projection, _): .abandonReplay(projection: projection)
        case .shadowIncomplete(let projection, _, _, _): .resumeReplay(projection: projection)
        case .badBound: nil
        }
    }
}

import Postgres

/// Re-applies a projection's waiting dead letters through its current code, after a fix to the code or to what it
/// accepts: each is decoded and validated as the runner does (`BatchDecoder`, the projection's `prepare`), completed,
/// and applied to the live schema in a transaction of its own, in topic/partition/offset order. An applied letter is
/// marked re-driven (the row stays, for the record); one still refused keeps waiting, with the new reason as its
/// error. Checkpoints are never touched, and each letter's transaction excludes the live worker's batches of the
/// projection (`RedriveLock`), so a redrive is safe while workers run. Events already applied change nothing.
/// Blocking: run it off the cooperative pool.
public struct DeadLetterRedrive {
    public let projection: any Projection
    public let decoder: BatchDecoder
    private let store: DeadLetterStore

    /// `maxEventBytes` as the worker's `--max-event-bytes`: raise it to re-drive events dead-lettered for their size;
    /// `eventTimeHorizonSeconds` as its `--event-time-horizon-seconds`.
    public init(projection: any Projection, maxEventBytes: Int = BatchDecoder.defaultMaxEventBytes,
                eventTimeHorizonSeconds: Int64 = RunnerStateMachine.Settings.defaultEventTimeHorizonSeconds) {
        self.projection = projection
        self.decoder = BatchDecoder(topics: projection.topics, maxEventBytes: maxEventBytes,
                                    eventTimeHorizonSeconds: eventTimeHorizonSeconds,
                                    prepare: { [projection] in projection.prepare($0) })
        self.store = DeadLetterStore(projection: projection.name)
    }

    /// What became of one dead letter.
    public enum Outcome: Sendable, Equatable {
        /// Applied and marked re-driven; in a dry run, it would be (and nothing was kept).
        case applied
        /// Refused again, for this reason, now stored as its error (not stored in a dry run). It keeps waiting.
        case failed(String)
        /// Not tried: a service the projection needs failed in a way that may pass (`TransientFailure`). It keeps
        /// waiting with its error unchanged.
        case retryLater(String)
        /// Not tried: it was re-driven already (by another run, or before), or deleted (a replay).
        case skipped(String)

        /// Whether the letter is still waiting after this attempt.
        public var isStillWaiting: Bool {
            switch self {
            case .failed, .retryLater: true
            case .applied, .skipped: false
            }
        }
    }

    /// One dead letter and what became of it.
    public struct Attempt: Sendable, Equatable {
        public var letter: DeadLetterSummary
        public var outcome: Outcome
    }

    /// Re-drives the letters with `ids` (every waiting one of the projection when nil), calling `report` after each.
    /// A dry run decodes and applies each letter in a transaction it rolls back, and stores nothing.
    /// Throws `DeadLetterError` for ids that are unknown or belong to another projection (before trying any), a
    /// version mismatch for tables of another version, and database errors that are not a letter's fault (the
    /// database going away): the letters done by then stay done.
    @discardableResult
    public func run(ids: [Int64]? = nil, dryRun: Bool = false, connection: PostgresConnection,
                    report: (Attempt) -> Void = { _ in }) throws -> [Attempt] {
        let targets = try letters(ids: ids, connection: connection)
        var attempts: [Attempt] = []
        let waiting = targets.filter { $0.redrivenAt == nil }
        if !waiting.isEmpty { try checkTables(connection) }
        for letter in targets {
            let outcome = letter.redrivenAt == nil
                ? try redrive(letter, dryRun: dryRun, connection: connection)
                : .skipped("re-driven already")
            let attempt = Attempt(letter: letter, outcome: outcome)
            attempts.append(attempt)
            report(attempt)
        }
        return attempts
    }

    /// The letters to try, in coordinate order; named ones must exist and be this projection's.
    private func letters(ids: [Int64]?, connection: PostgresConnection) throws -> [DeadLetterSummary] {
        guard let ids else {
            return try DeadLetterStore.summaries(projection: projection.name, includeRedriven: false, connection: connection)
        }
        let found = try DeadLetterStore.summaries(ids: ids, connection: connection)
        let foundIDs = Set(found.map(\.id))
        if let missing = ids.first(where: { !foundIDs.contains($0) }) { throw DeadLetterError.unknownID(missing) }
        if let other = found.first(where: { $0.projection != projection.name }) {
            throw DeadLetterError.otherProjection(id: other.id, owner: other.projection, requested: projection.name)
        }
        return found.sorted { ($0.coordinates.topic, $0.coordinates.partition, $0.coordinates.offset)
            < ($1.coordinates.topic, $1.coordinates.partition, $1.coordinates.offset) }
    }

    /// Only code of the tables' version may write them.
    private func checkTables(_ connection: PostgresConnection) throws {
        guard try ProjectionMigrator.storedVersion(of: projection, connection) != nil else {
            throw DeadLetterError.tablesMissing(projection: projection.name)
        }
        try ProjectionMigrator.requireVersion(of: projection, connection)
        try projection.checkCompatibility(schema: projection.schema, connection: connection)
    }

    private func redrive(_ summary: DeadLetterSummary, dryRun: Bool, connection: PostgresConnection) throws -> Outcome {
        guard let stored = try DeadLetterStore.stored(id: summary.id, connection: connection) else {
            return .skipped("deleted meanwhile (a replay starts its dead letters afresh)")
        }
        let outcome: Outcome
        switch decoder.decodeOne(stored.message) {
        case .deadLetter(let refused):
            outcome = .failed(refused.error)
        case .event(let event):
            outcome = try apply(event, id: summary.id, dryRun: dryRun, connection: connection)
        }
        if case .failed(let error) = outcome, !dryRun {
            try store.recordFailure(id: summary.id, error: error, connection: connection)
        }
        return outcome
    }

    /// `complete` then `apply` in the letter's own transaction, retried on deadlocks and serialization failures.
    private func apply(_ event: ProjectedEvent, id: Int64, dryRun: Bool, connection: PostgresConnection) throws -> Outcome {
        let completed: [ProjectedEvent]
        do {
            completed = try projection.complete([event], connection: connection)
        } catch {
            return try Self.outcome(of: error)
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try connection.transaction { tx -> Outcome in
                    try RedriveLock.holdForRedrive(projection.name, in: tx)
                    guard try store.lockWaiting(id: id, in: tx) else { return .skipped("re-driven meanwhile by another run") }
                    try projection.apply(completed, schema: projection.schema, connection: tx)
                    if dryRun { throw DryRunRollback() }
                    try store.markRedriven(id: id, in: tx)
                    return .applied
                }
            } catch is DryRunRollback {
                return .applied
            } catch let error as PostgresError where error.isTransactionRetryable && attempt < 5 {
                continue
            } catch {
                return try Self.outcome(of: error)
            }
        }
    }

    /// The letter's outcome as `FailureClassifier` judges the error: the event's fault leaves it waiting with the new
    /// reason; a service that may come back leaves it waiting as it was; the database going away, or anything no
    /// letter causes, ends the run (the letters done by then stay done).
    private static func outcome(of error: any Error) throws -> Outcome {
        switch FailureClassifier.verdict(for: error) {
        case .eventsFault: return .failed(rejection(error))
        case .retry where !(error is PostgresError): return .retryLater("\(error)")
        case .retry, .fatal: throw error
        }
    }

    /// Worded as the runner words the dead letters it makes when applying.
    private static func rejection(_ error: any Error) -> String {
        error is PostgresError ? "the database rejected the event: \(error)" : "the projection rejected the event: \(error)"
    }

    private struct DryRunRollback: Error {}
}

/// Why a redrive cannot start.
public enum DeadLetterError: RemediableError, Equatable, Sendable {
    /// No dead letter has this id.
    case unknownID(Int64)
    /// The id names another projection's dead letter.
    case otherProjection(id: Int64, owner: String, requested: String)
    /// There are dead letters but no tables to apply them to.
    case tablesMissing(projection: String)

    public var description: String {
        switch self {
        case .unknownID(let id):
            "no dead letter has id \(id)"
        case .otherProjection(let id, let owner, let requested):
            "dead letter \(id) belongs to \(owner), not \(requested)"
        case .tablesMissing(let projection):
            "the \(projection) tables do not exist: create them, then redrive again"
        }
    }

    public var remedy: Remedy? {
        switch self {
        case .unknownID: .listDeadLetters
        case .otherProjection(let id, let owner, _): .redrive(projection: owner, id: id)
        case .tablesMissing: .migrate
        }
    }
}

/// Keeps a redrive and the live worker's batches of one projection apart. Projections fold events into state they
/// read and write back (a world's counters, a tier's autoscaler), which is safe because one worker owns a partition;
/// a redrive applies events of partitions a worker owns. So every batch transaction holds this lock shared (batches
/// never wait for each other) and every re-driven letter's transaction holds it exclusively, briefly.
/// A transaction-level advisory lock, keyed by the projection's name with a fixed hash (FNV-1a).
enum RedriveLock {
    /// Taken first in each batch's transaction.
    static func holdForBatch(_ projection: String, in tx: PostgresConnection) throws {
        try tx.execute("SELECT pg_advisory_xact_lock_shared($1::int4, $2::int4)", [.int(namespace), .int(key(projection))])
    }

    /// Taken first in each re-driven letter's transaction.
    static func holdForRedrive(_ projection: String, in tx: PostgresConnection) throws {
        try tx.execute("SELECT pg_advisory_xact_lock($1::int4, $2::int4)", [.int(namespace), .int(key(projection))])
    }

    /// Two-key advisory locks live apart from the one-key lock migrations take.
    static let namespace: Int32 = 0x616E_6E6C  // "annl"

    /// FNV-1a of the name: the same in every process, unlike `Hasher`.
    static func key(_ projection: String) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        for byte in projection.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int32(bitPattern: hash)
    }
}

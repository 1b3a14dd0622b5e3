import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Kafka
import Logging
import Postgres
import Synchronization

/// Where a runner reads and writes, and how it batches.
public struct RunnerConfiguration: Sendable {
    public var kafka: KafkaConfig
    /// Consumer group; workers of one projection share it.
    public var groupID: String
    /// libpq URL or conninfo.
    public var databaseURL: String
    public var settings: RunnerStateMachine.Settings
    /// Replay only: stop once every partition reaches its offset.
    public var stopAt: [TopicPartition: Int64]?
    /// Where rows, checkpoints and dead letters go; nil: the projection's live tables.
    public var target: ProjectionTarget?

    public init(kafka: KafkaConfig, groupID: String, databaseURL: String,
                settings: RunnerStateMachine.Settings = .init(), stopAt: [TopicPartition: Int64]? = nil,
                target: ProjectionTarget? = nil) {
        self.kafka = kafka
        self.groupID = groupID
        self.databaseURL = databaseURL
        self.settings = settings
        self.stopAt = stopAt
        self.target = target
    }
}

/// What one committed batch did.
public struct CommittedBatch: Sendable {
    public var events: Int
    public var deadLetters: Int
    /// Each touched partition's new checkpoint.
    public var checkpoints: [TopicPartition: Int64]
}

/// Consume → batch → one transaction (rows, dead letters, compare-and-set checkpoints) → repeat.
/// Blocking: run it on a dedicated thread. The decisions live in `RunnerStateMachine`; this is the I/O.
public final class ProjectionRunner {
    private let projection: any Projection
    private let configuration: RunnerConfiguration
    private let logger: Logger
    /// How long a stopping runner waits to leave its consumer group.
    static let leaveGroupTimeout = Duration.seconds(5)
    private let onCommit: @Sendable (CommittedBatch) -> Void
    private let decoder: BatchDecoder
    private var machine: RunnerStateMachine
    /// Alone holds the database connection; every database call goes through it.
    private let committer: Committer
    private var stop: StopSignal = StopSignal()
    /// Messages decoded as they arrive, so decoding overlaps the commit of the batch in flight.
    private var decoded: [EventCoordinates: DecodedMessage] = [:]
    private var inFlight: InFlightCommit?
    private var failureDuringRebalance: (any Error)?
    private let health: RunnerHealth
    private var metrics: RunnerMetrics
    /// Each assigned partition's stored next offset, for lag; absent until known.
    private var committedOffsets: [TopicPartition: Int64] = [:]
    private var lastLagUpdate: UInt64 = 0
    /// When the batch in flight was handed to the committer.
    private var commitStarted: UInt64 = 0
    /// When the database last answered or failed; an idle runner probes it after `probeInterval`.
    private var lastRoundTrip: UInt64 = 0
    private static let probeInterval: UInt64 = 1_000_000_000

    /// `health` receives assignment, database, commit and backlog updates for readiness probes.
    public init(projection: any Projection, configuration: RunnerConfiguration, logger: Logger,
                health: RunnerHealth = RunnerHealth(),
                onCommit: @escaping @Sendable (CommittedBatch) -> Void = { _ in }) {
        self.health = health
        self.metrics = RunnerMetrics(projection: projection.name)
        self.projection = projection
        self.configuration = configuration
        self.logger = logger
        self.onCommit = onCommit
        self.decoder = BatchDecoder(topics: projection.topics, maxEventBytes: configuration.settings.maxEventBytes,
                                    eventTimeHorizonSeconds: configuration.settings.eventTimeHorizonSeconds,
                                    prepare: { [projection] in projection.prepare($0) })
        self.committer = Committer(projection: projection, target: configuration.target ?? .live(projection),
                                   databaseURL: configuration.databaseURL, logger: logger)
        self.machine = RunnerStateMachine(settings: configuration.settings, stopAt: configuration.stopAt)
    }

    /// Runs until `stop` is requested (finishing and committing the batch in flight) or the replay target is reached.
    /// Throws on errors that retrying cannot fix, such as tables of another version.
    public func run(until stop: StopSignal) throws {
        do {
            try consume(until: stop)
        } catch let error as KafkaError where error.code == KafkaError.Code.offsetOutOfRange {
            // Partitions without a checkpoint are read from offset 0, so for them out of range means trimmed.
            let fromZero = error.partition.map { committedOffsets[$0] == nil } ?? false
            throw fromZero
                ? ProjectionError.historyDeleted(projection: projection.name, detail: error.message)
                : ProjectionError.checkpointOutsideLog(projection: projection.name, detail: error.message)
        }
    }

    /// Why the runner refuses a consumer configuration, if it does: cooperative rebalancing keeps some partitions
    /// through a rebalance, and the runner's re-reading of checkpoints after a fence inside one relies on every
    /// partition being assigned again.
    public static func refusal(of kafka: KafkaConfig) -> ProjectionError? {
        guard let strategy = kafka["partition.assignment.strategy"],
              strategy.lowercased().contains("cooperative") else { return nil }
        return .cooperativeRebalancing(strategy: strategy)
    }

    private func consume(until stop: StopSignal) throws {
        if let refusal = Self.refusal(of: configuration.kafka) { throw refusal }
        self.stop = stop
        health.update { [isReplay = configuration.stopAt != nil] in
            $0.started = Self.now()
            $0.isReplay = isReplay
        }
        try connectWithRetry()
        try committer.prepareTables()
        let consumer = try makeConsumer()
        defer {
            // Leaving on an error: let the commit in flight finish before the group is left.
            _ = inFlight?.wait()
            if stop.isRequested {
                // Stopping: the brokers may be gone, and leaving the group must not outlast the stop grace.
                if !consumer.close(within: Self.leaveGroupTimeout) {
                    logger.warning("leaving the consumer group took over \(Self.leaveGroupTimeout): the brokers do not answer; stopping anyway (the checkpoints are committed)")
                }
            } else {
                consumer.close()
            }
        }

        while true {
            if stop.isRequested { machine.stop() }
            if let error = failureDuringRebalance { throw error }
            updateLagIfDue(consumer)
            if let inFlight, inFlight.isFinished { try settle(inFlight, consumer: consumer) }
            switch machine.nextAction(now: Self.now()) {
            case .poll(let maxMessages, let maxBytes, let timeout):
                // With a commit in flight, poll briefly so its outcome is taken in soon after it lands.
                if inFlight == nil { probeDatabaseIfIdle() }
                let wait = inFlight == nil ? timeout : min(timeout, 2_000_000)
                receive(try consumer.poll(maxMessages: maxMessages, maxBytes: maxBytes, timeoutMilliseconds: Self.milliseconds(wait)))
            case .waitForRetry(let timeout):
                receive(try consumer.poll(maxMessages: configuration.settings.maxBatch, maxBytes: configuration.settings.maxBatchBytes,
                                          timeoutMilliseconds: Self.milliseconds(timeout)))
                try consumer.pause(machine.assignedPartitions)
            case .resume(let partitions):
                try consumer.resume(partitions)
                logger.info("resumed", metadata: ["partitions": "\(partitions)"])
            case .pause(let partitions):
                try consumer.pause(partitions)
            case .loadCheckpoints(let partitions):
                try reloadCheckpoints(partitions, consumer: consumer)
            case .seek(let seeks):
                try seek(seeks, consumer: consumer)
            case .flush(let batch):
                startCommit(batch)
            case .awaitInFlight:
                if let inFlight { try settle(inFlight, consumer: consumer) }
            case .close:
                logger.info("stopped with everything committed", metadata: ["projection": "\(projection.name)"])
                return
            }
        }
    }

    private func receive(_ messages: [KafkaMessage]) {
        let kept = machine.received(messages, now: Self.now())
        guard !kept.isEmpty else { return }
        reportBacklog()
        for (message, result) in zip(kept, decoder.decodeAll(kept)) {
            decoded[EventCoordinates(message)] = result
        }
    }

    /// A group member for live work; for a replay (`stopAt`), a consumer of every target partition outside any group.
    /// Positions come only from checkpoints: a checkpoint outside the log is an error, never a silent jump.
    private func makeConsumer() throws -> KafkaConsumer {
        var kafka = configuration.kafka
        kafka["auto.offset.reset"] = "error"
        if let targets = configuration.stopAt {
            let starts = partitionsAssigned(targets.keys.sorted())
            logger.info("replaying", metadata: ["projection": "\(projection.name)", "partitions": "\(targets.count)"])
            return try KafkaConsumer(config: kafka, assignment: starts, groupID: configuration.groupID, logger: logger)
        }
        logger.info("consuming", metadata: ["projection": "\(projection.name)", "group": "\(configuration.groupID)"])
        return try KafkaConsumer(
            config: kafka, groupID: configuration.groupID, topics: projection.topics.map(\.rawValue),
            onAssign: { [unowned self] partitions in self.partitionsAssigned(partitions) },
            onRevoke: { [unowned self] partitions in self.partitionsRevoked(partitions) },
            logger: logger)
    }

    // MARK: - Rebalance (runs inside poll, on this thread)

    /// Reads the partitions' checkpoints once; when the database cannot answer, they are assigned paused and the state
    /// machine has them read again after a backoff, outside this callback (which must not block the consumer).
    private func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        settleDuringRebalance()
        let starts: [TopicPartition: Int64]
        do {
            let stored = try loadCheckpoints(partitions)
            starts = machine.assigned(partitions, checkpoints: stored)
            let described = starts.sorted { $0.key < $1.key }.map { partition, offset in "\(partition)@\(offset)" }
            logger.info("assigned", metadata: [
                "partitions": "\(partitions.sorted())", "starts": "\(described.joined(separator: " "))",
            ])
        } catch {
            if FailureClassifier.verdict(for: error) != .retry { failureDuringRebalance = error }
            starts = machine.assignedWithoutCheckpoints(partitions, now: Self.now())
            logger.warning("assigned, but cannot read their checkpoints: the partitions wait, paused, until they are read",
                           metadata: ["partitions": "\(partitions.sorted())", "error": "\(error)"])
        }
        rebalanced()
        return starts
    }

    private func partitionsRevoked(_ partitions: [TopicPartition]) {
        settleDuringRebalance()
        logger.info("revoked", metadata: ["partitions": "\(partitions.sorted())"])
        machine.revoked(partitions)
        let lost = Set(partitions)
        decoded = decoded.filter { !lost.contains($0.key.topicPartition) }
        committedOffsets = committedOffsets.filter { !lost.contains($0.key) }
        reportAssignment()
    }

    /// Inside a rebalance the consumer cannot seek or pause: take in the in-flight outcome for the
    /// state machine only. Everything the partitions need is redone by their next assignment.
    private func settleDuringRebalance() {
        guard let inFlight else { return }
        self.inFlight = nil
        switch inFlight.wait() {
        case .committed(let deadLetters):
            committed(inFlight.batch, deadLetters: deadLetters, consumer: nil)
        case .fenced:
            machine.fenced(now: Self.now())
            decoded.removeAll()
        case .failed(let error) where FailureClassifier.verdict(for: error) == .retry:
            logger.warning("\(Self.unavailable(error)) during a rebalance, will retry", metadata: ["error": "\(error)"])
            _ = flushFailed(error)
        case .failed(let error):
            // Callbacks cannot throw: the loop throws it once `poll` returns.
            failureDuringRebalance = error
            _ = machine.flushFailed(now: Self.now())
        }
    }

    // MARK: - Committing a batch

    /// Hands the batch to the committer; this thread goes on polling and decoding.
    private func startCommit(_ batch: RunnerStateMachine.Batch) {
        var events: [ProjectedEvent] = []
        var letters: [DeadLetter] = []
        events.reserveCapacity(batch.messages.count)
        for message in batch.messages {
            let coordinates = EventCoordinates(message)
            switch decoded.removeValue(forKey: coordinates) ?? decoder.decodeOne(message) {
            case .event(let event): events.append(event)
            case .deadLetter(let letter): letters.append(letter)
            }
        }
        inFlight = committer.commit(batch, events: events, deadLetters: letters)
        commitStarted = Self.now()
    }

    /// Waits for the in-flight commit and acts on its outcome.
    private func settle(_ commit: InFlightCommit, consumer: KafkaConsumer) throws {
        inFlight = nil
        switch commit.wait() {
        case .committed(let deadLetterCount):
            committed(commit.batch, deadLetters: deadLetterCount, consumer: consumer)
        case .fenced(let partitions):
            logger.warning("checkpoint moved by another worker: this worker was fenced, reloading checkpoints",
                           metadata: ["partitions": "\(partitions)"])
            machine.fenced(now: Self.now())
            decoded.removeAll()
        case .failed(let error) where FailureClassifier.verdict(for: error) == .retry:
            let unavailable = Self.unavailable(error)
            switch flushFailed(error) {
            case .pauseAndRetry(let partitions):
                try consumer.pause(partitions)
                logger.warning("\(unavailable): paused, will retry", metadata: ["error": "\(error)"])
            case .retry:
                logger.warning("\(unavailable) still, will retry", metadata: ["error": "\(error)"])
            }
        case .failed(let error):
            throw error
        }
    }

    /// A batch failed in a way that may pass: count the retry and let the machine back off. (A connection it broke
    /// is replaced before the committer's next use.)
    private func flushFailed(_ error: any Error) -> RunnerStateMachine.FailureAction {
        if error is PostgresError { databaseFailed(error) }
        metrics.retries.increment()
        return machine.flushFailed(now: Self.now())
    }

    private func committed(_ batch: RunnerStateMachine.Batch, deadLetters deadLetterCount: Int, consumer: KafkaConsumer?) {
        machine.flushSucceeded(batch)
        let moved = Dictionary(uniqueKeysWithValues: batch.moves.map { ($0.partition, $0.next) })
        committedOffsets.merge(moved) { _, new in new }
        consumer?.commitInformational(moved)
        let now = Self.now()
        metrics.eventsApplied.increment(by: batch.messages.count - deadLetterCount)
        if deadLetterCount > 0 { metrics.deadLetters.increment(by: deadLetterCount) }
        metrics.batchLatency.recordNanoseconds(Int64(clamping: now &- commitStarted))
        metrics.recordEndToEnd(batch.messages, committedAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        databaseAnswered()
        health.update {
            $0.lastCommit = now
            $0.countCommitted(batch.messages)
        }
        reportBacklog()
        onCommit(CommittedBatch(events: batch.messages.count - deadLetterCount, deadLetters: deadLetterCount, checkpoints: moved))
    }

    /// The partitions' checkpoints, once the committer has checked the tables' version (see `Committer`).
    private func loadCheckpoints(_ partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        do {
            let stored = try committer.loadCheckpoints(partitions)
            committedOffsets.merge(stored) { _, new in new }
            databaseAnswered()
            return stored
        } catch let error as PostgresError where FailureClassifier.verdict(for: error) == .retry {
            databaseFailed(error)
            throw error
        }
    }

    /// `.loadCheckpoints`: on success the partitions are sought to their checkpoints; when the database cannot answer
    /// the machine tries again after a backoff; anything else stops the worker.
    private func reloadCheckpoints(_ partitions: [TopicPartition], consumer: KafkaConsumer) throws {
        let stored: [TopicPartition: Int64]
        do {
            stored = try loadCheckpoints(partitions)
        } catch where FailureClassifier.verdict(for: error) == .retry {
            machine.checkpointsUnavailable(now: Self.now())
            logger.warning("cannot read checkpoints, will retry", metadata: ["partitions": "\(partitions)", "error": "\(error)"])
            return
        }
        try seek(machine.checkpointsLoaded(stored), consumer: consumer)
    }

    /// Seeks each partition (to its checkpoint, or offset 0 when it has none) and reports the outcome to the machine.
    /// A seek times out while a rebalance is pending (the fenced worker's partitions are being moved, and the revoke
    /// can only run inside the next poll): the machine keeps the partition paused and unread, and asks again later.
    private func seek(_ seeks: [TopicPartition: Int64], consumer: KafkaConsumer) throws {
        var resumed: [TopicPartition] = []
        for (partition, offset) in seeks.sorted(by: { $0.key < $1.key }) {
            do {
                try consumer.seek(partition, to: offset)
            } catch {
                logger.warning("cannot seek now: the partition waits, paused, until it is positioned or a rebalance moves it",
                               metadata: ["partition": "\(partition)", "offset": "\(offset)", "error": "\(error)"])
                machine.seekFailed(partition, now: Self.now())
                continue
            }
            if machine.seated(partition) { resumed.append(partition) }
        }
        if !resumed.isEmpty { try consumer.resume(resumed) }
        reportAssignment()
    }

    // MARK: - Health and metrics

    private func databaseAnswered() {
        lastRoundTrip = Self.now()
        metrics.databaseUp.record(1)
        health.update {
            $0.databaseReachable = true
            $0.databaseError = nil
        }
    }

    private func databaseFailed(_ error: any Error) {
        lastRoundTrip = Self.now()
        metrics.databaseUp.record(0)
        health.update {
            $0.databaseReachable = false
            $0.databaseError = "\(error)"
        }
    }

    /// Counted once per assignment: a rebalance revokes (all or some) partitions, then assigns.
    private func rebalanced() {
        metrics.rebalances.increment()
        reportAssignment()
    }

    private func reportAssignment() {
        let partitions = machine.ownedPartitions
        metrics.assignedPartitions.record(partitions.count)
        health.update { $0.assign(partitions) }
    }

    private func reportBacklog() {
        let backlog = machine.pendingCount
        metrics.backlog.record(backlog)
        health.update { [now = Self.now()] in $0.observe(backlog: backlog, now: now) }
    }

    /// Lag per assigned partition (last known high watermark minus checkpoint), at most every `probeInterval`.
    private func updateLagIfDue(_ consumer: KafkaConsumer) {
        let now = Self.now()
        guard now &- lastLagUpdate > Self.probeInterval else { return }
        lastLagUpdate = now
        var lags: [TopicPartition: Int64] = [:]
        for partition in machine.assignedPartitions {
            guard let high = consumer.cachedHighWatermark(partition) else { continue }
            lags[partition] = max(0, high - (committedOffsets[partition] ?? 0))
        }
        metrics.recordLag(lags)
        let total = lags.values.reduce(0, +)
        health.update { $0.observe(lag: total, now: now) }
    }

    /// With nothing to commit, nothing else would notice the database going away (or coming back):
    /// a `SELECT 1` at most every `probeInterval` keeps the readiness check current.
    private func probeDatabaseIfIdle() {
        guard Self.now() &- lastRoundTrip > Self.probeInterval else { return }
        do {
            try committer.probe()
            databaseAnswered()
        } catch {
            databaseFailed(error)
        }
    }

    // MARK: - Database connection

    private func connectWithRetry() throws {
        var failures = 0
        while true {
            do {
                try committer.connect()
                databaseAnswered()
                return
            } catch let error as PostgresError where FailureClassifier.verdict(for: error) == .retry && !stop.isRequested {
                databaseFailed(error)
                failures += 1
                logger.warning("cannot reach the database, retrying", metadata: ["error": "\(error)"])
                Self.sleep(configuration.settings.backoff.delayNanoseconds(afterFailures: failures))
            }
        }
    }

    /// What a retriable failure was, for the log.
    private static func unavailable(_ error: any Error) -> String {
        error is PostgresError ? "database unavailable" : "a service the projection needs is unavailable"
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private static func milliseconds(_ nanoseconds: UInt64) -> Int32 {
        Int32(clamping: (nanoseconds + 999_999) / 1_000_000)
    }

    private static func sleep(_ nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        _ = nanosleep(&request, nil)
    }
}

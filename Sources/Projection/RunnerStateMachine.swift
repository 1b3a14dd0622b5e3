import Kafka

/// The projection runner's decisions, free of I/O: what to poll, when to flush a batch, and what to do
/// after a commit, a failed compare-and-set, a database outage or a rebalance. The I/O loop feeds it
/// inputs and carries out the actions it returns. Times are monotonic nanoseconds.
///
/// At most one batch is in flight: once `.flush` is returned, the loop may keep polling (and decoding) the
/// next batch while that one commits, but must report its outcome before the next flush, which
/// `.awaitInFlight` asks for.
public struct RunnerStateMachine: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Most messages applied in one transaction.
        public var maxBatch: Int
        /// How long the first pending message may wait for the batch to fill.
        public var lingerNanoseconds: UInt64
        /// Longest single poll when nothing is pending.
        public var idlePollNanoseconds: UInt64
        /// Backoff between tries of a batch, and of reading checkpoints, while the database is unavailable.
        public var backoff: Backoff
        /// How long after a seek that timed out it is tried again (a seek times out while a rebalance is pending;
        /// the rebalance usually moves the partition first).
        public var seekRetryNanoseconds: UInt64
        /// Most bytes (keys and values) read ahead of the commits: a batch closes once its messages reach it (a
        /// batch holds at least one message), and polling waits while the messages not yet committed hold it.
        public var maxBatchBytes: Int
        /// Larger event values are dead-lettered undecoded (read by the runner's decoder, not by the machine).
        public var maxEventBytes: Int
        /// Event times further than this ahead of their record's Kafka timestamp are dead-lettered as implausible
        /// (read by the runner's decoder, not by the machine).
        public var eventTimeHorizonSeconds: Int64

        /// 32 MiB: two batches in memory (the one committing and the next), their decoded copies and librdkafka's
        /// prefetch. Measured (`dev/measure-large-events`, debug build): a story worker draining 1 MiB events peaks at
        /// 424 MiB, within the 1 GiB of the story, kb and metrics tasks in `Compose/ecs`, against 850 MiB or more
        /// with count-only batches.
        public static let defaultMaxBatchBytes = 32 << 20
        /// One hour.
        public static let defaultEventTimeHorizonSeconds: Int64 = 3_600

        public init(maxBatch: Int = 5_000, lingerNanoseconds: UInt64 = 50_000_000,
                    idlePollNanoseconds: UInt64 = 200_000_000, backoff: Backoff = Backoff(),
                    seekRetryNanoseconds: UInt64 = 5_000_000_000,
                    maxBatchBytes: Int = Settings.defaultMaxBatchBytes,
                    maxEventBytes: Int = BatchDecoder.defaultMaxEventBytes,
                    eventTimeHorizonSeconds: Int64 = Settings.defaultEventTimeHorizonSeconds) {
            self.maxBatch = max(1, maxBatch)
            self.lingerNanoseconds = lingerNanoseconds
            self.idlePollNanoseconds = idlePollNanoseconds
            self.backoff = backoff
            self.seekRetryNanoseconds = seekRetryNanoseconds
            self.maxBatchBytes = max(1, maxBatchBytes)
            self.maxEventBytes = maxEventBytes
            self.eventTimeHorizonSeconds = max(0, eventTimeHorizonSeconds)
        }
    }

    /// What the I/O loop should do next.
    public enum Action: Equatable, Sendable {
        /// Poll for up to `maxMessages` holding about `maxBytes` (one message may pass it), waiting at most
        /// `timeoutNanoseconds`.
        case poll(maxMessages: Int, maxBytes: Int, timeoutNanoseconds: UInt64)
        /// Apply this batch and move these checkpoints in one transaction. The batch is now in flight.
        case flush(Batch)
        /// A batch is in flight and nothing else can proceed: wait for its outcome and report it.
        case awaitInFlight
        /// Keep serving the group (poll with partitions paused) until the retry time.
        case waitForRetry(timeoutNanoseconds: UInt64)
        /// The retry a pause waited for is gone (the batch was fenced or its partitions revoked): resume reading these
        /// partitions. The machine is no longer paused.
        case resume([TopicPartition])
        /// Pause these owned partitions: their position is not known yet (their messages are ignored meanwhile).
        case pause([TopicPartition])
        /// Check the tables' version and read these partitions' checkpoints, then report `checkpointsLoaded` (and seek
        /// where it says) or `checkpointsUnavailable`. Never while a batch is in flight (the committer holds the
        /// connection).
        case loadCheckpoints([TopicPartition])
        /// Seek these partitions to these offsets, reporting `seated` or `seekFailed` for each.
        case seek([TopicPartition: Int64])
        /// Everything is committed: leave the group and return.
        case close
    }

    /// Messages to apply together, with the checkpoint moves that make them count.
    public struct Batch: Equatable, Sendable {
        public var messages: [KafkaMessage]
        public var moves: [CheckpointMove]
        /// Key and value bytes of `messages`.
        public var byteCount: Int
    }

    /// What the loop must do after a failed flush.
    public enum FailureAction: Equatable, Sendable {
        /// Pause these partitions, then retry after the backoff.
        case pauseAndRetry([TopicPartition])
        /// Already paused: retry after the backoff.
        case retry
    }

    /// An owned partition whose position is not known: its messages are ignored and the consumer keeps it paused.
    private enum Unpositioned: Equatable, Sendable {
        /// Its checkpoint could not be read (at assignment, or after a fence) and is read again after a backoff.
        case awaitingCheckpoint
        /// Its seek timed out; it is tried again after `seekRetryNanoseconds`.
        case awaitingSeek(checkpoint: Int64?, failedAt: UInt64?)
    }

    private struct PartitionState: Sendable {
        /// Next offset stored in `annals.checkpoints`; nil when never checkpointed.
        var checkpoint: Int64?
        /// Next offset expected from the consumer, past the pending messages.
        var position: Int64?
    }

    public let settings: Settings
    private var partitions: [TopicPartition: PartitionState] = [:]
    /// Read but not committed, in arrival order; the first `inFlight.count` are being committed.
    private var pending: [KafkaMessage] = []
    /// Key and value bytes of `pending`.
    private var pendingBytes = 0
    /// When the oldest message not yet in a batch arrived.
    private var pendingSince: UInt64?
    /// The batch being committed, if any.
    private var inFlight: Batch?
    private var failures = 0
    private var retryAt: UInt64?
    private var paused = false
    private var stopping = false
    private var unpositioned: [TopicPartition: Unpositioned] = [:]
    /// Unpositioned partitions the consumer has not been asked to pause yet.
    private var toPause: Set<TopicPartition> = []
    /// Partitions to resume at the next action (the loop cannot inside a rebalance, where a batch may commit).
    private var toResume: Set<TopicPartition> = []
    private var checkpointFailures = 0
    private var checkpointRetryAt: UInt64?
    /// Replay only: stop once every partition's checkpoint reaches its target.
    private var targets: [TopicPartition: Int64]?

    public init(settings: Settings, stopAt targets: [TopicPartition: Int64]? = nil) {
        self.settings = settings
        self.targets = targets
    }

    /// Owned partitions being read (their position is known).
    public var assignedPartitions: [TopicPartition] { partitions.keys.sorted() }
    /// Every owned partition, positioned or not.
    public var ownedPartitions: [TopicPartition] { (Array(partitions.keys) + Array(unpositioned.keys)).sorted() }
    /// Whether consumption is paused for a database outage.
    public var isPaused: Bool { paused }
    /// Messages read but not yet committed.
    public var pendingCount: Int { pending.count }
    /// Key and value bytes of the messages read but not yet committed.
    public var pendingByteCount: Int { pendingBytes }

    /// What a message weighs against `Settings.maxBatchBytes`.
    public static func size(of message: KafkaMessage) -> Int {
        (message.key?.count ?? 0) + (message.value?.count ?? 0)
    }

    /// Where a partition is read from: its checkpoint, else offset 0. Never the log's current start: a partition
    /// whose first events were deleted must stop the worker (out of range), not be projected from part of its history.
    public static func startOffset(checkpoint: Int64?) -> Int64 {
        checkpoint ?? 0
    }

    /// Partitions were assigned with their stored checkpoints; returns the offsets to start reading from.
    public mutating func assigned(_ newPartitions: [TopicPartition], checkpoints: [TopicPartition: Int64]) -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        for partition in newPartitions {
            let checkpoint = checkpoints[partition]
            partitions[partition] = PartitionState(checkpoint: checkpoint, position: checkpoint)
            unpositioned[partition] = nil
            toPause.remove(partition)
            starts[partition] = Self.startOffset(checkpoint: checkpoint)
        }
        return starts
    }

    /// Partitions were assigned but their checkpoints could not be read (the database unavailable): they are assigned
    /// at the log's end (always a valid position), paused, and positioned once their checkpoints are read, after a
    /// backoff. Returns the offsets to assign them at.
    public mutating func assignedWithoutCheckpoints(_ newPartitions: [TopicPartition], now: UInt64) -> [TopicPartition: Int64] {
        awaitCheckpoints(newPartitions, now: now)
        return Dictionary(uniqueKeysWithValues: newPartitions.map { ($0, KafkaOffset.end) })
    }

    /// The checkpoints of the partitions `.loadCheckpoints` named were read (absent: never checkpointed). Returns where
    /// to seek each partition still owned and awaiting them.
    public mutating func checkpointsLoaded(_ checkpoints: [TopicPartition: Int64]) -> [TopicPartition: Int64] {
        checkpointFailures = 0
        checkpointRetryAt = nil
        var seeks: [TopicPartition: Int64] = [:]
        for (partition, state) in unpositioned where state == .awaitingCheckpoint {
            unpositioned[partition] = .awaitingSeek(checkpoint: checkpoints[partition], failedAt: nil)
            seeks[partition] = Self.startOffset(checkpoint: checkpoints[partition])
        }
        return seeks
    }

    /// Reading checkpoints failed in a way that may pass: try again after the backoff.
    public mutating func checkpointsUnavailable(now: UInt64) {
        checkpointFailures += 1
        checkpointRetryAt = now + settings.backoff.delayNanoseconds(afterFailures: checkpointFailures)
    }

    /// A seek landed: the partition is read from its checkpoint on. Returns whether to resume it now (not while the
    /// machine is paused for an outage: the end of the outage resumes every positioned partition).
    public mutating func seated(_ partition: TopicPartition) -> Bool {
        guard case .awaitingSeek(let checkpoint, _) = unpositioned[partition] else { return false }
        _ = assigned([partition], checkpoints: checkpoint.map { [partition: $0] } ?? [:])
        return !paused
    }

    /// A seek timed out (a rebalance is pending): it is tried again after `seekRetryNanoseconds`, unless a rebalance
    /// moves the partition first.
    public mutating func seekFailed(_ partition: TopicPartition, now: UInt64) {
        guard case .awaitingSeek(let checkpoint, _) = unpositioned[partition] else { return }
        unpositioned[partition] = .awaitingSeek(checkpoint: checkpoint, failedAt: now)
    }

    private mutating func awaitCheckpoints(_ owned: [TopicPartition], now: UInt64) {
        for partition in owned {
            partitions[partition] = nil
            unpositioned[partition] = .awaitingCheckpoint
            toPause.insert(partition)
            toResume.remove(partition)
        }
        if checkpointRetryAt == nil { checkpointsUnavailable(now: now) }
    }

    /// Partitions were taken away: forget them and drop their uncommitted messages (the next owner re-reads them).
    /// The loop reports the in-flight batch's outcome first.
    public mutating func revoked(_ lost: [TopicPartition]) {
        let lostSet = Set(lost)
        for partition in lost {
            partitions[partition] = nil
            unpositioned[partition] = nil
            toPause.remove(partition)
            toResume.remove(partition)
        }
        if !unpositioned.values.contains(.awaitingCheckpoint) { checkpointRetryAt = nil }
        dropPending { lostSet.contains($0.topicPartition) }
        inFlight = nil
    }

    /// The consumer delivered messages. Messages of unowned partitions, re-deliveries and, in a replay, messages at
    /// or past their partition's stop offset are dropped; returns the ones kept.
    @discardableResult
    public mutating func received(_ messages: [KafkaMessage], now: UInt64) -> [KafkaMessage] {
        var kept: [KafkaMessage] = []
        kept.reserveCapacity(messages.count)
        for message in messages {
            let partition = message.topicPartition
            guard var state = partitions[partition] else { continue }
            if let position = state.position, message.offset < position { continue }
            if let stop = targets?[partition], message.offset >= stop { continue }
            state.position = message.offset + 1
            partitions[partition] = state
            kept.append(message)
            pendingBytes += Self.size(of: message)
        }
        pending += kept
        if waitingCount > 0 && pendingSince == nil { pendingSince = now }
        return kept
    }

    /// Finish what is pending, then close.
    public mutating func stop() {
        stopping = true
    }

    /// The next thing to do.
    public mutating func nextAction(now: UInt64) -> Action {
        if !toPause.isEmpty {
            defer { toPause.removeAll() }
            return .pause(toPause.sorted())
        }
        if !toResume.isEmpty {
            defer { toResume.removeAll() }
            return .resume(toResume.sorted())
        }
        if inFlight == nil, let positioning = positioningDue(now: now) { return positioning }
        if let retryAt {
            if now < retryAt { return .waitForRetry(timeoutNanoseconds: min(retryAt - now, settings.idlePollNanoseconds)) }
            self.retryAt = nil
        }
        if paused && waitingCount == 0 && inFlight == nil && !stopping && !reachedTargets {
            // Fencing or a revoke dropped the batch the pause was retrying: nothing waits for the database any more.
            paused = false
            failures = 0
            return .resume(assignedPartitions)
        }
        let flushDue: Bool
        if stopping || reachedTargets || paused {
            flushDue = waitingCount > 0
            if !flushDue { return inFlight == nil ? .close : .awaitInFlight }
        } else if waitingCount >= settings.maxBatch || waitingBytes >= settings.maxBatchBytes {
            flushDue = true
        } else if let since = pendingSince, waitingCount > 0 {
            let waited = now >= since ? now - since : 0
            flushDue = waited >= settings.lingerNanoseconds
            if !flushDue {
                return .poll(maxMessages: settings.maxBatch - waitingCount, maxBytes: settings.maxBatchBytes - waitingBytes,
                             timeoutNanoseconds: settings.lingerNanoseconds - waited)
            }
        } else {
            return .poll(maxMessages: settings.maxBatch, maxBytes: settings.maxBatchBytes,
                         timeoutNanoseconds: settings.idlePollNanoseconds)
        }
        guard flushDue else {
            return .poll(maxMessages: settings.maxBatch, maxBytes: settings.maxBatchBytes,
                         timeoutNanoseconds: settings.idlePollNanoseconds)
        }
        if inFlight != nil { return .awaitInFlight }
        let batch = makeBatch()
        inFlight = batch
        pendingSince = waitingCount > 0 ? now : nil
        return .flush(batch)
    }

    /// The in-flight batch committed: its messages are done and its checkpoints moved. After an outage, the next action
    /// resumes the partitions the pause stopped.
    public mutating func flushSucceeded(_ batch: Batch) {
        inFlight = nil
        let done = min(batch.messages.count, pending.count)
        pendingBytes -= pending.prefix(done).reduce(0) { $0 + Self.size(of: $1) }
        pending.removeFirst(done)
        if pending.isEmpty { pendingSince = nil }
        for move in batch.moves where partitions[move.partition] != nil {
            partitions[move.partition]?.checkpoint = move.next
        }
        failures = 0
        guard paused else { return }
        paused = false
        toResume.formUnion(partitions.keys)
    }

    /// Another owner moved a checkpoint (this worker was fenced): drop everything pending; every owned partition is
    /// paused until its checkpoint is read again (`.loadCheckpoints`, at once) and it is positioned there.
    public mutating func fenced(now: UInt64) {
        dropPending { _ in true }
        inFlight = nil
        retryAt = nil
        checkpointFailures = 0
        checkpointRetryAt = now
        awaitCheckpoints(ownedPartitions, now: now)
    }

    /// The database was unreachable: keep the batch (it is flushed again first), back off, and pause reading meanwhile.
    public mutating func flushFailed(now: UInt64) -> FailureAction {
        inFlight = nil
        failures += 1
        retryAt = now + settings.backoff.delayNanoseconds(afterFailures: failures)
        if paused { return .retry }
        paused = true
        return .pauseAndRetry(assignedPartitions)
    }

    /// Reading checkpoints, or seeking, for unpositioned partitions once its time has come.
    private mutating func positioningDue(now: UInt64) -> Action? {
        guard !unpositioned.isEmpty, !stopping else { return nil }
        let awaiting = unpositioned.filter { $0.value == .awaitingCheckpoint }.keys.sorted()
        if !awaiting.isEmpty, let due = checkpointRetryAt, now >= due {
            checkpointRetryAt = nil
            return .loadCheckpoints(awaiting)
        }
        var seeks: [TopicPartition: Int64] = [:]
        for (partition, state) in unpositioned {
            guard case .awaitingSeek(let checkpoint, let failedAt) = state else { continue }
            if let failedAt, now &- failedAt < settings.seekRetryNanoseconds { continue }
            seeks[partition] = Self.startOffset(checkpoint: checkpoint)
        }
        return seeks.isEmpty ? nil : .seek(seeks)
    }

    private var reachedTargets: Bool {
        guard let targets else { return false }
        return targets.allSatisfy { partition, target in
            target <= 0 || (partitions[partition]?.checkpoint ?? 0) >= target
        }
    }

    /// Messages read but not yet in a batch.
    private var waitingCount: Int { pending.count - (inFlight?.messages.count ?? 0) }
    /// Bytes of the messages read but not yet in a batch.
    private var waitingBytes: Int { pendingBytes - (inFlight?.byteCount ?? 0) }

    private mutating func dropPending(where drop: (KafkaMessage) -> Bool) {
        pending.removeAll(where: drop)
        pendingBytes = pending.reduce(0) { $0 + Self.size(of: $1) }
        if pending.isEmpty { pendingSince = nil }
    }

    /// The next batch: messages after the in-flight batch, up to `maxBatch` messages and `maxBatchBytes` (at least
    /// one message), expecting the checkpoints the in-flight batch will leave.
    private func makeBatch() -> Batch {
        var messages: [KafkaMessage] = []
        var bytes = 0
        for message in pending.dropFirst(inFlight?.messages.count ?? 0).prefix(settings.maxBatch) {
            let size = Self.size(of: message)
            if !messages.isEmpty && bytes + size > settings.maxBatchBytes { break }
            messages.append(message)
            bytes += size
        }
        var last: [TopicPartition: Int64] = [:]
        for message in messages {
            last[message.topicPartition] = message.offset
        }
        var expected = partitions.mapValues(\.checkpoint)
        for move in inFlight?.moves ?? [] { expected[move.partition] = move.next }
        let moves = last.sorted { $0.key < $1.key }.map { partition, lastOffset in
            CheckpointMove(partition: partition, expected: expected[partition] ?? nil, next: lastOffset + 1)
        }
        return Batch(messages: messages, moves: moves, byteCount: bytes)
    }
}

/// Exponential backoff between retries, capped.
public struct Backoff: Sendable, Equatable {
    public var initialNanoseconds: UInt64
    public var maximumNanoseconds: UInt64

    public init(initialNanoseconds: UInt64 = 100_000_000, maximumNanoseconds: UInt64 = 5_000_000_000) {
        self.initialNanoseconds = initialNanoseconds
        self.maximumNanoseconds = maximumNanoseconds
    }

    /// Delay before the next try after `failures` consecutive failures (1 or more).
    public func delayNanoseconds(afterFailures failures: Int) -> UInt64 {
        let doublings = UInt64(min(max(failures - 1, 0), 32))
        let (delay, overflow) = initialNanoseconds.multipliedReportingOverflow(by: 1 << doublings)
        return overflow ? maximumNanoseconds : min(delay, maximumNanoseconds)
    }
}

import Kafka
import Synchronization

/// What a running projection worker reports about itself, for readiness probes and its heartbeat in
/// `annals.workers`. The runner updates it from its own threads; anyone may read a `Snapshot`. Times are
/// monotonic nanoseconds (`DispatchTime.uptimeNanoseconds`).
public final class RunnerHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// A replay consumes fixed partitions outside any group: it never waits for an assignment.
        public var isReplay = false
        /// Partitions the group currently assigns to this worker.
        public var assignedPartitions = 0
        /// Which partitions those are, sorted.
        public var partitions: [TopicPartition] = []
        /// Messages committed (applied or dead-lettered) per partition since the runner started; never decreases,
        /// so rates can be taken from samples of it.
        public var committedMessages: [TopicPartition: Int64] = [:]
        /// Outcome of the last database round trip (commit, checkpoint read or probe); nil before the first.
        public var databaseReachable: Bool?
        /// Why the last database round trip failed, when it did.
        public var databaseError: String?
        /// When the last batch committed; nil before the first.
        public var lastCommit: UInt64?
        /// When the runner started, so a worker that never committed can still be found stalled.
        public var started: UInt64 = 0
        /// Messages read but not yet committed.
        public var backlog = 0
        /// Messages in the assigned partitions past their checkpoints, from the last known high watermarks.
        public var lag: Int64 = 0
        /// Since when messages have been waiting (`backlog` or `lag` above zero); nil while caught up.
        public var waitingSince: UInt64?

        public init() {}

        /// Records the partitions now assigned.
        public mutating func assign(_ partitions: [TopicPartition]) {
            self.partitions = partitions.sorted()
            assignedPartitions = partitions.count
        }

        /// Counts the messages of a committed batch against their partitions.
        public mutating func countCommitted(_ messages: [KafkaMessage]) {
            for message in messages {
                committedMessages[message.topicPartition, default: 0] += 1
            }
        }

        /// Sets the backlog and lag observed at `now`, starting or ending the waiting period.
        public mutating func observe(backlog: Int? = nil, lag: Int64? = nil, now: UInt64) {
            if let backlog { self.backlog = backlog }
            if let lag { self.lag = lag }
            if self.backlog > 0 || self.lag > 0 {
                if waitingSince == nil { waitingSince = now }
            } else {
                waitingSince = nil
            }
        }
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Applies a change to the state under the lock.
    public func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }
}

/// Readiness decided from a `RunnerHealth.Snapshot`: which checks fail.
public enum Readiness {
    public enum Check: String, Sendable, CaseIterable {
        /// No partitions assigned (and not a replay).
        case partitions
        /// The last database round trip failed, or none happened yet.
        case database
        /// Messages are waiting (read or in the log past the checkpoints) but nothing committed for longer than `stallAfter`.
        case stalled
    }

    /// The failing checks, empty when ready.
    public static func failing(_ snapshot: RunnerHealth.Snapshot, now: UInt64, stallAfterNanoseconds: UInt64) -> [Check] {
        var failing: [Check] = []
        if !snapshot.isReplay && snapshot.assignedPartitions == 0 { failing.append(.partitions) }
        if snapshot.databaseReachable != true { failing.append(.database) }
        // Stalled: messages waiting, and neither they nor the last commit are recent. An idle worker that just
        // received a message is not stalled, however long ago it last committed.
        if let waitingSince = snapshot.waitingSince {
            let lastProgress = max(waitingSince, snapshot.lastCommit ?? snapshot.started)
            if now > lastProgress && now - lastProgress > stallAfterNanoseconds { failing.append(.stalled) }
        }
        return failing
    }
}

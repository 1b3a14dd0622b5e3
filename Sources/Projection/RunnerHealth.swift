import Synchronization

/// What a running projection worker reports about itself, for readiness probes. The runner updates it from its
/// own threads; anyone may read a `Snapshot`. Times are monotonic nanoseconds (`DispatchTime.uptimeNanoseconds`).
public final class RunnerHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// A replay consumes fixed partitions outside any group: it never waits for an assignment.
        public var isReplay = false
        /// Partitions the group currently assigns to this worker.
        public var assignedPartitions = 0
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

        public init() {}
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
        /// Messages are waiting but nothing committed for longer than `stallAfter`.
        case stalled
    }

    /// The failing checks, empty when ready.
    public static func failing(_ snapshot: RunnerHealth.Snapshot, now: UInt64, stallAfterNanoseconds: UInt64) -> [Check] {
        var failing: [Check] = []
        if !snapshot.isReplay && snapshot.assignedPartitions == 0 { failing.append(.partitions) }
        if snapshot.databaseReachable != true { failing.append(.database) }
        let lastProgress = snapshot.lastCommit ?? snapshot.started
        if snapshot.backlog > 0 && now > lastProgress && now - lastProgress > stallAfterNanoseconds {
            failing.append(.stalled)
        }
        return failing
    }
}

import Dispatch
import Synchronization

/// A batch being committed on the committer queue, and its outcome once known.
final class InFlightCommit: Sendable {
    let batch: RunnerStateMachine.Batch
    private let done = DispatchSemaphore(value: 0)
    private let outcome = Mutex<CommitOutcome?>(nil)

    init(batch: RunnerStateMachine.Batch) {
        self.batch = batch
    }

    func finish(_ result: CommitOutcome) {
        outcome.withLock { $0 = result }
        done.signal()
    }

    var isFinished: Bool { outcome.withLock { $0 != nil } }

    /// Blocks until the commit is done.
    func wait() -> CommitOutcome {
        done.wait()
        done.signal()
        return outcome.withLock { $0 } ?? .failed(CancellationError())
    }
}

import Dispatch
import Synchronization

/// Holds the first probe apply that reaches it (on the committer, inside the batch's transaction) until `open()`.
public final class ApplyGate: Sendable {
    private let state = Mutex((reached: false, open: false))
    private let opened = DispatchSemaphore(value: 0)

    public init() {}

    /// Whether an apply is waiting at the gate (or has passed it).
    public var isReached: Bool { state.withLock { $0.reached } }

    public func open() {
        state.withLock { $0.open = true }
        opened.signal()
    }

    /// Blocks the first caller until `open()`; later callers pass.
    public func pass() {
        let wait = state.withLock { state -> Bool in
            defer { state.reached = true }
            return !state.reached && !state.open
        }
        if wait { opened.wait() }
    }
}

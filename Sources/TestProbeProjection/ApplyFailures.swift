import Projection
import Synchronization

/// Which calls of the probe's `apply` throw, and what: calls are numbered from 1 across the projection's life.
public final class ApplyFailures: Sendable {
    private let calls = Mutex(0)
    private let failing: ClosedRange<Int>?
    private let error: @Sendable () -> any Error

    public init(calls failing: ClosedRange<Int>? = nil,
                error: @escaping @Sendable () -> any Error = { TransientFailure("probe") }) {
        self.failing = failing
        self.error = error
    }

    /// Counts a call; throws when it is one of the failing ones.
    public func next() throws {
        let call = calls.withLock { calls in
            calls += 1
            return calls
        }
        if let failing, failing.contains(call) { throw error() }
    }
}

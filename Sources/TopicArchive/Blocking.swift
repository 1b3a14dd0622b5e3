import Dispatch
import Foundation

/// Runs `operation` to its end and returns its result, blocking the calling thread: for the archive's work, which
/// runs on a thread of its own (its Kafka reads block), never on the cooperative pool.
func blockingWait<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = BlockingOutcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            outcome.result = .success(try await operation())
        } catch {
            outcome.result = .failure(error)
        }
        done.signal()
    }
    done.wait()
    return try outcome.result!.get()
}

/// The result a `blockingWait` task hands to the waiting thread: written before the semaphore is signalled, read
/// after the wait returns, so the semaphore orders the two accesses.
private final class BlockingOutcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

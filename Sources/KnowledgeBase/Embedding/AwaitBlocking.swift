import Dispatch
import Synchronization

/// Runs async work to completion from synchronous code, blocking the calling thread.
///
/// Only for threads outside Swift's cooperative pool (the projection's committer is a dispatch queue):
/// blocking a pool thread could starve the very task it waits for.
func awaitBlocking<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) throws -> Value {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Result<Value, any Error>?>(nil)
    Task {
        let result: Result<Value, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    guard let result = outcome.withLock({ $0 }) else { throw CancellationError() }
    return try result.get()
}

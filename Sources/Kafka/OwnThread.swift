import Foundation

/// Runs blocking work (librdkafka polls, libpq calls, or code that itself waits for async work) on a thread of its
/// own and awaits it, so that it never holds one of the few threads of Swift's cooperative pool.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

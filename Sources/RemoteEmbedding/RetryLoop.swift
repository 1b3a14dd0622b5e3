import Logging

/// One attempt's failure that another attempt may fix, already redacted, with the wait the server asked for.
struct RetryableFailure: Sendable, Equatable {
    var cause: String
    var retryAfter: Duration?
}

/// What one attempt came to: a value, or a failure worth another attempt. Failures no attempt would fix are thrown.
enum AttemptOutcome<Value> {
    case success(Value)
    case retryable(RetryableFailure)
}

/// The retry rules every remote embedder follows: at most `maxAttempts` attempts; between two, the wait
/// `Retry-After` asked for (at most `retryAfterLimit`), else the backoff. Each embedder decides what an answer means
/// with `ResponseDisposition`; this loop only decides when to try again.
struct RetryLoop: Sendable {
    var maxAttempts: Int
    var backoff: RetryBackoff
    var retryAfterLimit: Duration
    /// Names the server in log lines and errors, without secrets.
    var endpoint: String
    var logger: Logger

    /// The wait before retry number `retry` (1 after the first failure) of an attempt that failed with `failure`;
    /// nil when that was the last attempt allowed.
    func wait(beforeRetry retry: Int, after failure: RetryableFailure, unitRandom: Double) -> Duration? {
        guard retry < maxAttempts else { return nil }
        return failure.retryAfter.map { min($0, retryAfterLimit) } ?? backoff.delay(beforeRetry: retry, unitRandom: unitRandom)
    }

    /// `attempt`'s value, trying again while it fails retryably; throws `gaveUp(attempts, lastCause)` when every
    /// attempt did, and whatever `attempt` throws at once.
    func run<Value>(_ attempt: () async throws -> AttemptOutcome<Value>,
                    gaveUp: (_ attempts: Int, _ lastCause: String) -> any Error) async throws -> Value {
        var number = 1
        while true {
            let failure: RetryableFailure
            switch try await attempt() {
            case .success(let value): return value
            case .retryable(let retryable): failure = retryable
            }
            guard let delay = wait(beforeRetry: number, after: failure, unitRandom: .random(in: 0..<1)) else {
                throw gaveUp(number, failure.cause)
            }
            logger.warning("embeddings request failed; retrying", metadata: [
                "endpoint": "\(endpoint)", "attempt": "\(number)", "of": "\(maxAttempts)",
                "cause": "\(failure.cause)", "retry-in": "\(delay)",
            ])
            try await Task.sleep(for: delay)
            number += 1
        }
    }
}

extension RetryLoop {
    /// What is wrong with the retry settings every remote embedder has, nil when they can work.
    static func problem(concurrentRequests: Int, maxAttempts: Int, backoff: RetryBackoff, retryAfterLimit: Duration) -> String? {
        if concurrentRequests < 1 { return "\(concurrentRequests) concurrent requests: allow at least 1" }
        if maxAttempts < 1 { return "max attempts \(maxAttempts): allow at least 1 attempt" }
        guard backoff.initial >= .zero, backoff.maximum >= backoff.initial, retryAfterLimit >= .zero else {
            return "backoff from \(backoff.initial) to \(backoff.maximum), Retry-After limit \(retryAfterLimit): "
                + "waits must not be negative and the maximum not below the initial wait"
        }
        return nil
    }
}

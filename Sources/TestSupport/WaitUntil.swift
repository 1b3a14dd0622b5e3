/// Polls `condition` until it holds; throws `WaitTimeout` naming `description` once `timeout` has passed.
/// Synchronisation by condition with a deadline, never by a fixed sleep.
public func waitUntil(timeout: Duration, pollInterval: Duration = .milliseconds(50), description: String,
                      _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return }
        guard clock.now < deadline else { throw WaitTimeout(description: description, timeout: timeout) }
        try await Task.sleep(for: pollInterval)
    }
}

/// A condition did not hold in time.
public struct WaitTimeout: Error, CustomStringConvertible {
    public var description: String

    public init(description: String, timeout: Duration) {
        self.description = "timed out after \(timeout) waiting for \(description)"
    }
}

/// A test helper failed; the message says what and how to fix it.
public struct TestSupportFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

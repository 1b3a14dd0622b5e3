import Dispatch

/// One blocking connection and the serial queue that alone touches it, so libpq's blocking calls never hold a
/// thread of Swift's cooperative pool and never run two at a time. The connection opens on first use; one found
/// broken, or left inside a transaction, is replaced before the next use.
///
/// Whatever a caller keeps about the session (a session lock, a leadership term) belongs to the connection it was
/// taken on: compare it with `===` against the connection the next body receives.
public final class SerialConnection: @unchecked Sendable {
    // Safe: `connection` is read and written only by blocks on `queue`, which runs one at a time.
    private let conninfo: String
    private let queue: DispatchQueue
    private var connection: PostgresConnection?

    /// A connection to a libpq URL or conninfo, used on a queue named `label`; nothing connects until used.
    public init(conninfo: String, label: String) {
        self.conninfo = conninfo
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue with a usable connection and waits for it without blocking a thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self.usableConnection()) }) }
        }
    }

    /// Runs `body` on the queue with a usable connection, blocking the calling thread until it returns. For
    /// dedicated threads only (never the cooperative pool), and never from a body of this connection.
    public func runBlocking<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try queue.sync { try body(usableConnection()) }
    }

    /// Queues `body` to run with a usable connection (or the error that prevented one) and returns at once.
    public func enqueue(_ body: @escaping @Sendable (Result<PostgresConnection, any Error>) -> Void) {
        queue.async { body(Result { try self.usableConnection() }) }
    }

    /// Runs `farewell` on the open connection, if there is one, then closes it (releasing its session locks);
    /// the next use opens a new one.
    public func close(_ farewell: @escaping @Sendable (PostgresConnection) -> Void = { _ in }) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if let connection = self.connection { farewell(connection) }
                self.connection = nil
                continuation.resume()
            }
        }
    }

    private func usableConnection() throws -> PostgresConnection {
        if let connection, connection.isHealthy, !connection.isInTransaction { return connection }
        connection = nil
        let fresh = try PostgresConnection(conninfo: conninfo)
        connection = fresh
        return fresh
    }
}

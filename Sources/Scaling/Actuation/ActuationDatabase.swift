import Dispatch
import Postgres

/// The actuation loop's own Postgres connection, used only on a serial queue of its own so that blocking libpq
/// calls never hold a thread of the cooperative pool. Connects lazily; after a connection error the next use
/// reconnects, and the leadership lock (held by the session) has to be taken again.
final class ActuationDatabase: @unchecked Sendable {
    // @unchecked Sendable: `connection` and `isLeader` are touched only by closures running on `queue`, one at a time.
    private let conninfo: String
    private let queue = DispatchQueue(label: "annals.scaling.actuation.database")
    private var connection: PostgresConnection?
    private var isLeader = false

    init(conninfo: String) {
        self.conninfo = conninfo
    }

    /// Runs `body` with the connection on the database queue. A connection error drops the connection (and the
    /// leadership with it) before it is rethrown.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                continuation.resume(with: Result { try self.withConnection(body) })
            }
        }
    }

    /// Whether this session holds the actuation lock, taking it if it is free.
    func leads(_ sql: ActuationSQL) async throws -> Bool {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
            queue.async {
                continuation.resume(with: Result {
                    try self.withConnection { connection in
                        if !self.isLeader { self.isLeader = try sql.tryLeadership(connection: connection) }
                        return self.isLeader
                    }
                })
            }
        }
    }

    /// Closes the connection, which releases the lock.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.connection = nil
                self.isLeader = false
                continuation.resume()
            }
        }
    }

    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            let connection = try self.connection ?? PostgresConnection(conninfo: conninfo)
            self.connection = connection
            return try body(connection)
        } catch let error as PostgresError where error.isConnectionError {
            connection = nil
            isLeader = false
            throw error
        }
    }
}

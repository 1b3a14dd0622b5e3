import Dispatch
import Postgres

/// The actuation loop's own Postgres connection, used only on a serial queue of its own so that blocking libpq
/// calls never hold a thread of the cooperative pool. Connects lazily; after a connection error the next use
/// reconnects, and the leadership lock (held by the session) has to be taken again, as a new term.
final class ActuationDatabase: @unchecked Sendable {
    // @unchecked Sendable: `connection` and `term` are touched only by closures running on `queue`, one at a time.
    private let conninfo: String
    private let queue = DispatchQueue(label: "annals.scaling.actuation.database")
    private var connection: PostgresConnection?
    private var term: LeadershipTerm?

    init(conninfo: String) {
        self.conninfo = conninfo
    }

    /// Runs `body` with the connection on the database queue. A connection error drops the connection (and the
    /// leadership with it) before it is rethrown.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await onQueue { try self.withConnection(body) }
    }

    /// The term this session leads in, taking the actuation lock (and a new epoch) if it is free; nil while another
    /// session holds it. `longestCall` is how long the actuator's calls may take to land.
    func leadership(_ sql: ActuationSQL, holder: String, longestCall: Duration) async throws -> LeadershipTerm? {
        try await onQueue {
            try self.withConnection { connection in
                if let term = self.term { return term }
                guard let taken = try sql.takeLeadership(
                    holder: holder, owesReassert: { LeadershipTerm.mustReassert(after: $0, holder: holder) },
                    connection: connection)
                else { return nil }
                let term = LeadershipTerm(epoch: taken.epoch, after: taken.previous, holder: holder, now: .now,
                                          longestCall: longestCall)
                self.term = term
                return term
            }
        }
    }

    /// Gives the leadership up without recording a clean end: the term was found superseded. Drops the connection,
    /// which releases the lock if this session still held it.
    func resign() async {
        await onQueue {
            self.connection = nil
            self.term = nil
        }
    }

    /// Closes the connection, which releases the lock; a term in progress is first recorded as ended cleanly (every
    /// call it made has returned and been recorded, so none can land later).
    func close(_ sql: ActuationSQL) async {
        await onQueue {
            if let term = self.term, let connection = self.connection {
                try? sql.release(epoch: term.epoch, connection: connection)
            }
            self.connection = nil
            self.term = nil
        }
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    private func onQueue(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                work()
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
            term = nil
            throw error
        }
    }
}

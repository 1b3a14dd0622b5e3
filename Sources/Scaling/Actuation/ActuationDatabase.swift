import Postgres

/// The actuation loop's own Postgres connection (a ``SerialConnection``) and the leadership term its session
/// holds. The actuation lock is a session lock: a term belongs to the connection it was taken on, so after a
/// connection error the next connection has to take the lock again, as a new term.
final class ActuationDatabase: @unchecked Sendable {
    // @unchecked Sendable: `term` is touched only by bodies running on the connection's queue, one at a time.
    private let database: SerialConnection
    private var term: (term: LeadershipTerm, session: PostgresConnection)?

    init(conninfo: String) {
        database = SerialConnection(conninfo: conninfo, label: "annals.scaling.actuation.database")
    }

    /// Runs `body` with the connection on the database queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await database.run(body)
    }

    /// The term this session leads in, taking the actuation lock (and a new epoch) if it is free; nil while another
    /// session holds it. `longestCall` is how long the actuator's calls may take to land.
    func leadership(_ sql: ActuationSQL, holder: String, longestCall: Duration) async throws -> LeadershipTerm? {
        try await database.run { connection in
            if let held = self.term, held.session === connection { return held.term }
            self.term = nil
            guard let taken = try sql.takeLeadership(
                holder: holder, owesReassert: { LeadershipTerm.mustReassert(after: $0, holder: holder) },
                connection: connection)
            else { return nil }
            let term = LeadershipTerm(epoch: taken.epoch, after: taken.previous, holder: holder, now: .now,
                                      longestCall: longestCall)
            self.term = (term, connection)
            return term
        }
    }

    /// Gives the leadership up without recording a clean end: the term was found superseded. Closes the
    /// connection, which releases the lock if this session still held it.
    func resign() async {
        await database.close { _ in self.term = nil }
    }

    /// Closes the connection, which releases the lock; a term in progress is first recorded as ended cleanly (every
    /// call it made has returned and been recorded, so none can land later).
    func close(_ sql: ActuationSQL) async {
        await database.close { connection in
            if let held = self.term, held.session === connection {
                try? sql.release(epoch: held.term.epoch, connection: connection)
            }
            self.term = nil
        }
    }
}

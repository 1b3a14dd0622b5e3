import CLibpq

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PostgresConnection {
    /// Send several parameterised statements in one round trip (libpq pipeline mode), results in order; if one fails the error is thrown after the pipeline is drained.
    ///
    /// Outside `transaction(_:)` the statements share one implicit transaction: a failure rolls back the earlier ones too.
    /// The thrown error's `statementIndex` names the failing statement; later statements are skipped by the server.
    ///
    /// `prepared` statements are prepared once per session (in the same round trip, the first time) and executed by
    /// name afterwards, so the server parses and plans them once instead of every time (after five executions it may
    /// keep a generic plan: for statements run many times whose best plan does not hinge on their parameters).
    public func pipeline(_ statements: [(sql: String, parameters: [PostgresValue?])], prepared: Bool = false) throws -> [PostgresResult] {
        guard !statements.isEmpty else { return [] }
        // Reject unsendable values before anything reaches the server.
        for (index, statement) in statements.enumerated() {
            do {
                try withParameterPointers(statement.parameters) { _ in }
            } catch var error as PostgresError {
                error.statementIndex = index
                throw error
            }
        }
        let conn = try liveConnection()
        guard PQpipelineStatus(conn) == PQ_PIPELINE_OFF, PQenterPipelineMode(conn) == 1 else {
            throw PostgresError(.protocol, message: "could not enter pipeline mode: \(sendFailure().message)")
        }
        // Non-blocking so that writing a long pipeline cannot deadlock against the server writing results.
        _ = PQsetnonblocking(conn, 1)
        defer {
            // Read the handle again: a failed send replaces the connection.
            let current = currentRaw
            if isHealthy {
                if PQexitPipelineMode(current) != 1 {
                    while let raw = PQgetResult(current) { _ = ResultHandle(raw) }
                    _ = PQexitPipelineMode(current)
                }
                _ = PQsetnonblocking(current, 0)
            }
        }

        // One slot per result the server sends: a statement's, or (nil) the preparation of the statement after it.
        var slots: [Int?] = []
        var preparing: [(sql: String, name: String, slot: Int)] = []
        for (index, statement) in statements.enumerated() {
            let sent = try withParameterPointers(statement.parameters) { values -> Bool in
                guard prepared else {
                    slots.append(index)
                    return PQsendQueryParams(conn, statement.sql, Int32(values.count), nil, values, nil, nil, 0) == 1
                }
                let name: String
                if let known = handle.prepared[statement.sql] ?? preparing.first(where: { $0.sql == statement.sql })?.name {
                    name = known
                } else {
                    handle.preparations += 1
                    name = "annals_\(handle.preparations)"
                    preparing.append((statement.sql, name, slots.count))
                    slots.append(nil)
                    guard PQsendPrepare(conn, name, statement.sql, Int32(values.count), nil) == 1 else { return false }
                }
                slots.append(index)
                return PQsendQueryPrepared(conn, name, Int32(values.count), values, nil, nil, 0) == 1
            }
            guard sent else {
                var error = sendFailure()
                error.statementIndex = index
                // Statements already sent must not reach a sync point (which would commit them):
                // closing the connection rolls them back.
                try? reconnect()
                throw error
            }
        }
        guard PQpipelineSync(conn) == 1 else { throw sendFailure() }
        let (results, error) = try awaitSync(conn, count: slots.count)
        // A preparation that succeeded holds its name for the session, whatever became of the statements after it.
        let succeeded = error == nil ? slots.count : (error?.statementIndex ?? 0)
        for preparation in preparing where preparation.slot < succeeded {
            handle.prepared[preparation.sql] = preparation.name
        }
        if var error {
            error.statementIndex = error.statementIndex.flatMap { slot in slots[slot...].lazy.compactMap { $0 }.first }
            // A statement that failed is prepared afresh next time: its plan may be what broke (e.g. "cached plan must
            // not change result type" after its tables were replaced).
            if prepared, let index = error.statementIndex { handle.prepared[statements[index].sql] = nil }
            throw error
        }
        return zip(slots, results).compactMap { slot, result in slot.map { _ in result } }
    }

    /// Reads results until the pipeline's sync point; returns them with the first error, if any.
    private func awaitSync(_ conn: OpaquePointer, count: Int) throws -> ([PostgresResult], PostgresError?) {
        var results = [PostgresResult](repeating: PostgresResult(columns: [], rows: []), count: count)
        var firstError: PostgresError?
        var index = 0
        while true {
            let flush = PQflush(conn)
            guard flush != -1, isHealthy else { throw lostDuringPipeline(firstError) }
            if PQisBusy(conn) == 0 {
                if let raw = PQgetResult(conn) {
                    let result = ResultHandle(raw)
                    switch result.status {
                    case PGRES_PIPELINE_SYNC:
                        return (results, firstError)
                    case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                        if index < count { results[index] = result.result() }
                    case PGRES_PIPELINE_ABORTED:
                        break
                    default:
                        if firstError == nil {
                            var error = result.error(connectionBad: !isHealthy)
                            error.statementIndex = index
                            firstError = error
                        }
                    }
                    continue
                }
                // NULL ends one statement's results.
                if index < count {
                    index += 1
                    continue
                }
            }
            guard waitForSocket(conn, write: flush == 1), PQconsumeInput(conn) == 1 else {
                throw lostDuringPipeline(firstError)
            }
        }
    }

    private func lostDuringPipeline(_ firstError: PostgresError?) -> PostgresError {
        var error = firstError ?? sendFailure()
        error.code = .connectionLost
        return error
    }

    /// Blocks until the socket is readable (or writable when libpq has unsent data); false on socket failure.
    private func waitForSocket(_ conn: OpaquePointer, write: Bool) -> Bool {
        let socket = PQsocket(conn)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN) | (write ? Int16(POLLOUT) : 0), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, -1)
            if ready > 0 { return true }
            if ready < 0, errno == EINTR { continue }
            return false
        }
    }
}

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
    public func pipeline(_ statements: [(sql: String, parameters: [PostgresValue?])]) throws -> [PostgresResult] {
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

        for (index, statement) in statements.enumerated() {
            let sent = try withParameterPointers(statement.parameters) { values in
                PQsendQueryParams(conn, statement.sql, Int32(values.count), nil, values, nil, nil, 0) == 1
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
        let (results, error) = try awaitSync(conn, count: statements.count)
        if let error { throw error }
        return results
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

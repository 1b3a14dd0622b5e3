import CLibpq

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A synchronous libpq connection. Blocking: call it from a dedicated thread, never from the cooperative pool. Not Sendable.
public final class PostgresConnection {
    /// The conninfo this connection was opened with; private because it may hold a password.
    private let conninfo: String
    private let redaction: ConninfoRedaction
    private(set) var handle: ConnectionHandle
    private var savepointDepth = 0

    /// Connect from a libpq URL or key=value conninfo; empty string = libpq defaults (PG* env vars, .pgpass, sslmode all honoured by libpq).
    public init(conninfo: String) throws {
        self.conninfo = conninfo
        self.redaction = ConninfoRedaction(conninfo)
        self.handle = try ConnectionHandle.connect(conninfo: conninfo, redaction: redaction)
    }

    /// The conninfo with passwords masked, for logs.
    public var redactedConninfo: String { redaction.redacted }

    /// True while libpq considers the connection usable (PQstatus == CONNECTION_OK); a dead peer is noticed on the next statement.
    public var isHealthy: Bool { !handle.isBad }

    /// The server version as an integer, e.g. 180006 for 18.6; 0 when not connected.
    public var serverVersion: Int { Int(PQserverVersion(handle.raw)) }

    /// The backend process id, for pg_terminate_backend or pg_stat_activity.
    public var backendPID: Int { Int(PQbackendPID(handle.raw)) }

    /// True inside a transaction block (including a failed one).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle.raw)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Replaces the connection with a fresh one from the same conninfo (any open transaction is lost).
    public func reconnect() throws {
        handle = try ConnectionHandle.connect(conninfo: conninfo, redaction: redaction)
        savepointDepth = 0
    }

    /// Run one statement with text-format parameters ($1, $2…) via PQexecParams.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue?] = []) throws -> PostgresResult {
        let conn = try liveConnection()
        try withParameterPointers(parameters) { values in
            guard PQsendQueryParams(conn, sql, Int32(values.count), nil, values, nil, nil, 0) == 1 else {
                throw sendFailure()
            }
        }
        return try drainResults()
    }

    /// Run a multi-statement script (PQexec, no parameters), e.g. migrations; stops at the first error.
    public func executeScript(_ sql: String) throws {
        let conn = try liveConnection()
        guard PQsendQuery(conn, sql) == 1 else { throw sendFailure() }
        _ = try drainResults()
    }

    /// How a transaction begins.
    public enum TransactionMode: String, Sendable {
        /// The server's default: read committed, read-write.
        case readWrite = "BEGIN"
        /// Every statement sees the same snapshot, and nothing is written: several reads that must agree.
        case readOnlySnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
    }

    /// BEGIN … COMMIT, ROLLBACK on any thrown error (rethrows it); nested calls use savepoints (and the outer
    /// transaction's mode).
    @discardableResult
    public func transaction<T>(_ mode: TransactionMode = .readWrite, _ body: (PostgresConnection) throws -> T) throws -> T {
        let conn = try liveConnection()
        switch PQtransactionStatus(conn) {
        case PQTRANS_IDLE:
            try execute(mode.rawValue)
            let value: T
            do {
                value = try body(self)
            } catch {
                rollbackQuietly("ROLLBACK")
                throw error
            }
            if PQtransactionStatus(handle.raw) == PQTRANS_INERROR {
                // COMMIT of a failed transaction silently rolls back: make that loud.
                rollbackQuietly("ROLLBACK")
                throw PostgresError(
                    .protocol, message: "transaction rolled back: a statement in it failed and the error was caught")
            }
            try execute("COMMIT")
            return value
        case PQTRANS_INTRANS:
            savepointDepth += 1
            let name = "annals_savepoint_\(savepointDepth)"
            defer { savepointDepth -= 1 }
            try execute("SAVEPOINT \(name)")
            let value: T
            do {
                value = try body(self)
            } catch {
                rollbackQuietly("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
                throw error
            }
            if PQtransactionStatus(handle.raw) == PQTRANS_INERROR {
                rollbackQuietly("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
                throw PostgresError(
                    .protocol,
                    message: "savepoint rolled back: a statement in it failed and the error was caught")
            }
            try execute("RELEASE SAVEPOINT \(name)")
            return value
        case PQTRANS_INERROR:
            throw PostgresError(
                .protocol, message: "current transaction is aborted; roll it back before starting another")
        default:
            throw PostgresError(.protocol, message: "connection is busy or in an unknown state; reconnect")
        }
    }

    // MARK: - Internals shared with the COPY and pipeline extensions

    /// The current raw connection (replaced by reconnect(): never keep it across one).
    var currentRaw: OpaquePointer { handle.raw }

    /// The raw connection, or a connectionLost error when libpq already knows it is dead.
    func liveConnection() throws -> OpaquePointer {
        guard !handle.isBad else {
            throw PostgresError(.connectionLost, message: "connection is closed; call reconnect()")
        }
        return handle.raw
    }

    /// An error for a failed PQsend*/PQput* call.
    func sendFailure() -> PostgresError {
        PostgresError(handle.isBad ? .connectionLost : .protocol, message: redaction.scrub(handle.errorMessage))
    }

    /// Reads every result of the current command; returns the last success or throws the first error.
    func drainResults() throws -> PostgresResult {
        let conn = handle.raw
        var last = PostgresResult(columns: [], rows: [])
        var firstError: PostgresError?
        while let raw = PQgetResult(conn) {
            let result = ResultHandle(raw)
            switch result.status {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                last = result.result()
            case PGRES_COPY_IN:
                _ = PQputCopyEnd(conn, "COPY FROM STDIN is only supported by copy(into:rows:)")
                firstError = firstError ?? PostgresError(.copy, message: "use copy(into:rows:) for COPY … FROM STDIN")
            case PGRES_COPY_OUT:
                discardCopyOut()
                firstError = firstError ?? PostgresError(.copy, message: "COPY … TO STDOUT is not supported")
            case PGRES_COPY_BOTH:
                // Replication protocol; nothing sensible to do but drop the connection.
                handle = (try? ConnectionHandle.connect(conninfo: conninfo, redaction: redaction)) ?? handle
                throw PostgresError(.protocol, message: "replication (COPY BOTH) is not supported")
            default:
                firstError = firstError ?? result.error(connectionBad: handle.isBad)
            }
            if handle.isBad { break }
        }
        if var error = firstError {
            if handle.isBad { error.code = .connectionLost }
            throw error
        }
        if handle.isBad {
            throw PostgresError(.connectionLost, message: redaction.scrub(handle.errorMessage))
        }
        return last
    }

    private func discardCopyOut() {
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let length = PQgetCopyData(handle.raw, &buffer, 0)
            if let data = buffer {
                PQfreemem(data)
                buffer = nil
            }
            if length < 0 { return }
        }
    }

    private func rollbackQuietly(_ sql: String) {
        guard !handle.isBad else { return }
        _ = try? executeScript(sql)
    }

    /// Converts parameters to C strings (nil for NULL) for the duration of `body`.
    func withParameterPointers<R>(
        _ parameters: [PostgresValue?], _ body: ([UnsafePointer<CChar>?]) throws -> R
    ) throws -> R {
        guard parameters.count <= Int(UInt16.max) else {
            throw PostgresError(.invalidValue, message: "\(parameters.count) parameters; PostgreSQL allows 65535")
        }
        for (index, parameter) in parameters.enumerated() where parameter?.text.utf8.contains(0) == true {
            throw PostgresError(.invalidValue, message: "parameter $\(index + 1) contains a NUL byte")
        }
        let copies = parameters.map { $0.flatMap { strdup($0.text) } }
        defer { copies.forEach { free($0) } }
        return try body(copies.map { $0.map { UnsafePointer($0) } })
    }
}

@available(*, unavailable, message: "PostgresConnection is blocking and single-threaded; give each thread its own")
extension PostgresConnection: Sendable {}

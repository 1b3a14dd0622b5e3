import CLibpq

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sole owner of a `PGconn*`: frees it in deinit.
final class ConnectionHandle {
    let raw: OpaquePointer
    /// Statements prepared on this session, by SQL text: their server-side names. A new session starts empty.
    var prepared: [String: String] = [:]
    /// Names handed out so far: each preparation gets a new one, so a failed one can never collide with a later one.
    var preparations = 0

    private init(raw: OpaquePointer) {
        self.raw = raw
        PQsetNoticeReceiver(raw, { _, result in
            // NOTICE/INFO/DEBUG (e.g. "table does not exist, skipping") are noise; warnings are not.
            guard let result, let severity = PQresultErrorField(result, PostgresDiagnostic.severity),
                String(cString: severity) == "WARNING", let message = PQresultErrorMessage(result)
            else { return }
            let text = "postgres: " + String(cString: message)
            _ = text.withCString { write(2, $0, strlen($0)) }
        }, nil)
    }

    deinit { PQfinish(raw) }

    /// Opens a connection; libpq applies PG* environment variables, .pgpass and sslmode itself.
    static func connect(conninfo: String, redaction: ConninfoRedaction) throws -> ConnectionHandle {
        // Order matters: values expanded from `dbname` (the conninfo) override earlier keywords,
        // later keywords override it. We insist on UTF8; application_name stays the caller's if set.
        let environmentTimeout = getenv("PGCONNECT_TIMEOUT").map { String(cString: $0) }
        let parameters: [(String, String)] = [
            ("connect_timeout", environmentTimeout ?? "10"),
            ("dbname", conninfo),
            ("client_encoding", "UTF8"),
            ("fallback_application_name", applicationName),
        ]
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers: [UnsafePointer<CChar>?] = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
        let valuePointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } } + [nil]
        guard let raw = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
            throw PostgresError(.connectionFailed, message: "libpq could not allocate a connection")
        }
        let handle = ConnectionHandle(raw: raw)
        guard PQstatus(raw) == CONNECTION_OK else {
            throw PostgresError(.connectionFailed, message: ConnectionFailureAdvice.explained(redaction.scrub(handle.errorMessage)))
        }
        return handle
    }

    /// libpq's last error message, trimmed.
    var errorMessage: String {
        guard let message = PQerrorMessage(raw) else { return "unknown libpq error" }
        let text = String(cString: message).trimmingWhitespace()
        return text.isEmpty ? "unknown libpq error" : text
    }

    var isBad: Bool { PQstatus(raw) != CONNECTION_OK }

    private static var applicationName: String {
        let program = CommandLine.arguments.first ?? "annals"
        let name = program.split(separator: "/").last.map(String.init) ?? program
        return name.isEmpty ? "annals" : String(name.prefix(63))
    }
}

/// Diagnostic field codes (`PG_DIAG_*` are character macros Swift does not import).
enum PostgresDiagnostic {
    static let severity = Int32(UInt8(ascii: "V"))
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let primaryMessage = Int32(UInt8(ascii: "M"))
    static let detail = Int32(UInt8(ascii: "D"))
    static let hint = Int32(UInt8(ascii: "H"))
    static let constraint = Int32(UInt8(ascii: "n"))
    static let table = Int32(UInt8(ascii: "t"))
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        return String(slice)
    }
}

/// An error from libpq or the server; `description` never contains the conninfo or a password.
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What kind of failure this is; extensible, compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connectionFailed, connectionLost, server, decoding, copy, `protocol`, invalidValue
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The connection could not be established.
        public static let connectionFailed = Code(.connectionFailed)
        /// An established connection broke (server restart, terminated backend, network).
        public static let connectionLost = Code(.connectionLost)
        /// The server rejected a statement; see `sqlState`.
        public static let server = Code(.server)
        /// A column value could not be decoded as the requested type.
        public static let decoding = Code(.decoding)
        /// A COPY could not be carried out.
        public static let copy = Code(.copy)
        /// libpq or the server behaved unexpectedly (wrong result kind, misuse).
        public static let `protocol` = Code(.protocol)
        /// A parameter value cannot be sent (for example it contains a NUL byte).
        public static let invalidValue = Code(.invalidValue)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The SQLSTATE reported by the server, e.g. "23505".
    public var sqlState: String?
    /// The server's primary message or libpq's message (never the conninfo or a password).
    public var message: String
    /// The server's DETAIL, which may contain row values.
    public var detail: String?
    /// The server's HINT.
    public var hint: String?
    /// The constraint the server names, e.g. for a unique violation.
    public var constraint: String?
    /// The table the server names.
    public var table: String?
    /// For `pipeline(_:)`: the index of the statement that failed.
    public var statementIndex: Int?

    /// Creates an error; `message` must not contain secrets.
    public init(
        _ code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, table: String? = nil, statementIndex: Int? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.statementIndex = statementIndex
    }

    /// True when the connection is unusable or the server is going away: retry with backoff after `reconnect()`.
    public var isConnectionError: Bool {
        if code == .connectionFailed || code == .connectionLost { return true }
        guard let sqlState else { return false }
        // Class 08: connection exception; 57P01 admin shutdown, 57P02 crash shutdown,
        // 57P03 cannot connect now, 57P05 idle session timeout.
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "57P05"].contains(sqlState)
    }

    /// True for SQLSTATE 23505 (unique_violation).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// True for serialization failures and deadlocks (40001, 40P01): retry the transaction.
    public var isTransactionRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

    public var description: String {
        var text = "PostgresError.\(code)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let statementIndex { text += " in pipeline statement \(statementIndex)" }
        return text + ": " + message
    }

    public var debugDescription: String {
        var text = description
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        if let constraint { text += "\nconstraint: \(constraint)" }
        if let table { text += "\ntable: \(table)" }
        return text
    }
}

import CLibpq

/// Sole owner of a `PGresult*`: frees it in deinit.
final class ResultHandle {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { PQclear(raw) }

    var status: ExecStatusType { PQresultStatus(raw) }

    var isSuccess: Bool {
        let status = status
        return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY
    }

    /// Copies columns, rows and the command status into Swift values.
    func result() -> PostgresResult {
        let columnCount = Int(PQnfields(raw))
        let rowCount = Int(PQntuples(raw))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(PQfname(raw, Int32(column)).map { String(cString: $0) } ?? "?column?")
        }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                let r = Int32(row)
                let c = Int32(column)
                if PQgetisnull(raw, r, c) == 1 {
                    values.append(nil)
                } else if let value = PQgetvalue(raw, r, c) {
                    let length = Int(PQgetlength(raw, r, c))
                    values.append(String(decoding: UnsafeRawBufferPointer(start: value, count: length), as: UTF8.self))
                } else {
                    values.append(nil)
                }
            }
            rows.append(values)
        }
        let tag = PQcmdStatus(raw).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(raw).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresResult(columns: columns, rows: rows, affectedRows: affected, commandTag: tag)
    }

    /// The error this result carries; `connectionBad` marks it as a lost connection.
    func error(connectionBad: Bool) -> PostgresError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(raw, code).map { String(cString: $0) }
        }
        let sqlState = field(PostgresDiagnostic.sqlState)
        let message =
            field(PostgresDiagnostic.primaryMessage)
            ?? PQresultErrorMessage(raw).map { String(cString: $0).trimmingWhitespace() }
            ?? "unknown error"
        let code: PostgresError.Code = connectionBad ? .connectionLost : (sqlState == nil ? .protocol : .server)
        return PostgresError(
            code,
            message: message.isEmpty ? "unknown error (\(String(cString: PQresStatus(status))))" : message,
            sqlState: sqlState,
            detail: field(PostgresDiagnostic.detail),
            hint: field(PostgresDiagnostic.hint),
            constraint: field(PostgresDiagnostic.constraint),
            table: field(PostgresDiagnostic.table)
        )
    }
}

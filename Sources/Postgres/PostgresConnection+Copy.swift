import CLibpq

extension PostgresConnection {
    /// COPY … FROM STDIN in text format; rows are escaped correctly (tabs, newlines, backslashes, NULL as \N); returns rows copied.
    @discardableResult
    public func copy(into sql: String, rows: some Sequence<[PostgresValue?]>) throws -> Int {
        let conn = try liveConnection()
        guard PQsendQuery(conn, sql) == 1 else { throw sendFailure() }
        guard let first = PQgetResult(conn) else {
            throw PostgresError(.copy, message: "the server sent no result for the COPY statement")
        }
        let start = ResultHandle(first)
        guard start.status == PGRES_COPY_IN else {
            var error =
                start.isSuccess
                ? PostgresError(.copy, message: "copy(into:rows:) needs a COPY … FROM STDIN statement")
                : start.error(connectionBad: !isHealthy)
            // Finish the command so the connection is ready for the next one.
            do { _ = try drainResults() } catch let later as PostgresError where later.code == .connectionLost {
                error.code = .connectionLost
            }
            throw error
        }

        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.copyChunkSize + 4096)
        var failure: PostgresError?
        var rowNumber = 0
        rowLoop: for row in rows {
            rowNumber += 1
            for (column, value) in row.enumerated() {
                if column > 0 { buffer.append(UInt8(ascii: "\t")) }
                guard let value else {
                    buffer.append(UInt8(ascii: "\\"))
                    buffer.append(UInt8(ascii: "N"))
                    continue
                }
                guard Self.appendEscaped(value.text, to: &buffer) else {
                    failure = PostgresError(
                        .invalidValue, message: "COPY row \(rowNumber), column \(column + 1) contains a NUL byte")
                    break rowLoop
                }
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= Self.copyChunkSize {
                guard put(buffer, conn) else { break rowLoop }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if failure == nil, !buffer.isEmpty { _ = put(buffer, conn) }

        // An error message makes the server abort the COPY, so no partial rows are kept.
        if let failure {
            _ = PQputCopyEnd(conn, "aborted by the client: \(failure.message)")
        } else {
            _ = PQputCopyEnd(conn, nil)
        }
        do {
            let result = try drainResults()
            if let failure { throw failure }
            return result.affectedRows
        } catch let error as PostgresError {
            throw failure ?? error
        }
    }

    private static let copyChunkSize = 1 << 16

    private func put(_ buffer: [UInt8], _ conn: OpaquePointer) -> Bool {
        buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                PQputCopyData(conn, chars.baseAddress, Int32(chars.count)) == 1
            }
        }
    }

    /// Appends a value in COPY text format; false if it holds a NUL byte (which text format cannot carry).
    static func appendEscaped(_ text: String, to buffer: inout [UInt8]) -> Bool {
        var text = text
        // Native strings are contiguous UTF-8: copy runs of plain bytes in bulk, escape the rest.
        return text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                let escape: UInt8
                switch byte {
                case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escape = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escape = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escape = UInt8(ascii: "r")
                case 0: return false
                default: continue
                }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(escape)
                start = index + 1
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
            return true
        }
    }
}

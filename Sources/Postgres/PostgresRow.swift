/// One row of a result: text-format values, nil for SQL NULL.
public struct PostgresRow: Sendable {
    let index: ColumnIndex
    /// The values in column order, nil for SQL NULL.
    public let values: [String?]

    init(index: ColumnIndex, values: [String?]) {
        self.index = index
        self.values = values
    }

    /// The value at a column position; nil for SQL NULL or a position out of range.
    public subscript(_ column: Int) -> String? {
        values.indices.contains(column) ? values[column] : nil
    }

    /// The value of the first column with this name; nil for SQL NULL or an unknown column.
    public subscript(_ column: String) -> String? {
        index.positions[column].flatMap { self[$0] }
    }

    /// A non-NULL text value.
    public func string(_ column: String) throws -> String {
        try value(column, as: "text")
    }

    /// A bigint (or any integer) value.
    public func int64(_ column: String) throws -> Int64 {
        try decode(column, as: "bigint", Int64.init)
    }

    /// An integer value.
    public func int(_ column: String) throws -> Int {
        try decode(column, as: "integer", Int.init)
    }

    /// A double precision (or numeric/real) value, including NaN and ±Infinity.
    public func double(_ column: String) throws -> Double {
        try decode(column, as: "double precision", Double.init)
    }

    /// A boolean value (`t`/`f` as the server sends it).
    public func bool(_ column: String) throws -> Bool {
        try decode(column, as: "boolean") { text in
            switch text {
            case "t", "true": true
            case "f", "false": false
            default: nil
            }
        }
    }

    /// A bytea value in the server's hex output format.
    public func bytes(_ column: String) throws -> [UInt8] {
        try decode(column, as: "bytea (hex)", Self.decodeHexBytea)
    }

    /// A text value, nil for SQL NULL or an unknown column.
    public func optionalString(_ column: String) -> String? {
        self[column]
    }

    /// True when the column exists and holds SQL NULL.
    public func isNull(_ column: String) -> Bool {
        guard let position = index.positions[column] else { return false }
        return self[position] == nil
    }

    private func value(_ column: String, as type: String) throws -> String {
        guard let position = index.positions[column] else {
            throw PostgresError(
                .decoding,
                message: "no column named \"\(column)\" in the result (columns: \(index.names.joined(separator: ", ")))"
            )
        }
        guard let text = self[position] else {
            throw PostgresError(.decoding, message: "column \"\(column)\" is NULL, expected \(type)")
        }
        return text
    }

    private func decode<T>(_ column: String, as type: String, _ parse: (String) -> T?) throws -> T {
        let text = try value(column, as: type)
        guard let decoded = parse(text) else {
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            throw PostgresError(.decoding, message: "column \"\(column)\" holds \"\(shown)\", not a valid \(type)")
        }
        return decoded
    }

    static func decodeHexBytea(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            return nil
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }
}

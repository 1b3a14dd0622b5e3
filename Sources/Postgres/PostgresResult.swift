/// The rows and command status of one statement, copied out of libpq.
public struct PostgresResult: Sendable {
    /// Column names in order.
    public var columns: [String]
    /// The rows returned.
    public var rows: [PostgresRow]
    /// Rows inserted, updated, deleted, copied or selected (PQcmdTuples), 0 when the command reports none.
    public var affectedRows: Int
    /// The command tag, e.g. "INSERT 0 1".
    public var commandTag: String

    /// A result built from values, mainly for tests of code that consumes results.
    public init(columns: [String], rows: [[String?]], affectedRows: Int = 0, commandTag: String = "") {
        let index = ColumnIndex(columns)
        self.columns = columns
        self.rows = rows.map { PostgresRow(index: index, values: $0) }
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    /// The first row, if any.
    public var first: PostgresRow? { rows.first }
}

/// Column name → position, shared by all rows of a result.
final class ColumnIndex: Sendable {
    let names: [String]
    let positions: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (position, name) in names.enumerated() where positions[name] == nil {
            positions[name] = position
        }
        self.positions = positions
    }
}

import Foundation

/// How `annals status` prints a report: once, or refreshed by `--watch`. Pure.
enum StatusOutput {
    /// `--json`: an array of every projection's partition rows, indented.
    static func json(_ report: StatusReport) throws -> String {
        try encode(report.partitions, pretty: true)
    }

    /// `--json --watch` off a terminal: one line per refresh, `{"generatedAt": …, "partitions": [rows]}`, so a
    /// stream of snapshots says when each was taken.
    static func jsonLine(_ report: StatusReport) throws -> String {
        try encode(Snapshot(generatedAt: report.generatedAt, partitions: report.partitions), pretty: false)
    }

    private struct Snapshot: Encodable {
        var generatedAt: Date
        var partitions: [PartitionStatus]
    }

    private static func encode(_ value: some Encodable, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// One refresh on a terminal: drawn over the previous one from the top left, each line and then the rest of the
    /// screen cleared behind it, so nothing flickers and nothing stale remains. Cut to the terminal's `rows` and
    /// `columns` when known: a line that wrapped or a screen that scrolled would leave the next redraw misplaced.
    static func redraw(_ text: String, at date: Date, intervalSeconds: Double, rows: Int? = nil, columns: Int? = nil) -> String {
        let title = "annals status \(timestamp(date)), every \(StatusTable.duration(intervalSeconds)); Ctrl-C to stop"
        var lines = [title, ""] + text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        // The cursor stays on the last line: it must not be the terminal's bottom one followed by a newline.
        if let rows, rows > 1, lines.count > rows {
            let hidden = lines.count - (rows - 1)
            lines = Array(lines.prefix(rows - 1)) + ["… \(hidden) more lines: enlarge the terminal, or use --json"]
        }
        if let columns, columns > 0 {
            lines = lines.map { $0.count > columns ? String($0.prefix(columns)) : $0 }
        }
        return "\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n") + "\u{1B}[J"
    }

    /// One refresh anywhere else (a pipe, a file, a log): a block under a timestamped header, then a blank line.
    static func block(_ text: String, at date: Date) -> String {
        "--- annals status \(timestamp(date)) ---\n" + text + (text.hasSuffix("\n") ? "" : "\n") + "\n"
    }

    /// `2026-11-25T10:00:03Z`.
    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

import Foundation

/// One JSON log line a worker wrote (its default format), every field as a string.
public struct LogLine: Sendable, CustomStringConvertible {
    /// The fields: `ts`, `level`, `logger`, `message`, `source` and the metadata.
    public let fields: [String: String]

    /// The line's message.
    public var message: String { fields["message"] ?? "" }
    /// The line's level, e.g. "info".
    public var level: String { fields["level"] ?? "" }

    /// A field by name.
    public subscript(_ name: String) -> String? { fields[name] }

    public var description: String { fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }

    /// The JSON log lines in `log`, in order; any other line is skipped.
    public static func parse(_ log: String) -> [LogLine] {
        log.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
                  let fields = object as? [String: String] else { return nil }
            return LogLine(fields: fields)
        }
    }
}

extension ChildProcess {
    /// The JSON log lines the child wrote so far.
    public func logLines() -> [LogLine] {
        LogLine.parse(log())
    }
}

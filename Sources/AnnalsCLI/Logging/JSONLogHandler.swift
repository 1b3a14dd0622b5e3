#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// A swift-log handler writing one JSON object per line:
/// `{"ts":"2026-11-25T05:43:12.345Z","level":"info","logger":"annals.story-worker","message":"…",<metadata>,"source":"Projection"}`.
///
/// Metadata is flattened to string values: a nested dictionary becomes dotted keys (`a.b`), an array its swift-log
/// text. A metadata key equal to one of the line's own fields is written as `metadata.<key>` so no key repeats.
/// Every string is escaped (quotes, backslashes, control characters, U+2028/U+2029), so any metadata value gives a
/// line a JSON parser accepts; Swift strings are always valid Unicode, so the output is always valid UTF-8.
public struct JSONLogHandler: LogHandler {
    /// The fields every line starts with, in order, and `source`, which ends it.
    static let ownFields: Set<String> = ["ts", "level", "logger", "message", "source"]

    private let label: String
    private let write: @Sendable (String) -> Void
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for `label` writing each line (newline included) with `write`, by default to standard error.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
                write: @escaping @Sendable (String) -> Void = StandardError.write) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, new in new }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        write(Self.line(timestamp: Self.timestamp(), level: event.level, label: label, message: event.message.description,
                        metadata: merged, source: event.source))
    }

    /// One log line, newline included.
    static func line(timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata,
                     source: String?) -> String {
        var fields: [(String, String)] = []
        for (key, value) in metadata {
            flatten(value, key: ownFields.contains(key) ? "metadata.\(key)" : key, into: &fields)
        }
        fields.sort { $0.0 < $1.0 }
        // A flattened key can meet a literal one (`a.b` and `a: [b: …]`): keep both, the later one renamed.
        var seen: Set<String> = []
        for index in fields.indices {
            while !seen.insert(fields[index].0).inserted { fields[index].0 += "_" }
        }
        var text = "{\"ts\":\"\(timestamp)\",\"level\":\"\(level.rawValue)\",\"logger\":"
        appendQuoted(label, to: &text)
        text += ",\"message\":"
        appendQuoted(message, to: &text)
        for (key, value) in fields {
            text += ","
            appendQuoted(key, to: &text)
            text += ":"
            appendQuoted(value, to: &text)
        }
        if let source, !source.isEmpty {
            text += ",\"source\":"
            appendQuoted(source, to: &text)
        }
        text += "}\n"
        return text
    }

    private static func flatten(_ value: Logger.Metadata.Value, key: String, into fields: inout [(String, String)]) {
        switch value {
        case .string(let string):
            fields.append((key, string))
        case .stringConvertible(let convertible):
            fields.append((key, convertible.description))
        case .array:
            fields.append((key, value.description))
        case .dictionary(let dictionary):
            if dictionary.isEmpty { fields.append((key, "[:]")) }
            for (inner, nested) in dictionary {
                flatten(nested, key: "\(key).\(inner)", into: &fields)
            }
        }
    }

    /// Appends `string` as a JSON string literal.
    static func appendQuoted(_ string: String, to text: inout String) {
        text.append("\"")
        // Copy runs of characters that need no escaping in one go.
        var pending = string.unicodeScalars.startIndex
        let scalars = string.unicodeScalars
        var index = pending
        while index != scalars.endIndex {
            let scalar = scalars[index]
            let escape: String?
            switch scalar {
            case "\"": escape = "\\\""
            case "\\": escape = "\\\\"
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            case "\u{08}": escape = "\\b"
            case "\u{0C}": escape = "\\f"
            case "\u{2028}": escape = "\\u2028"
            case "\u{2029}": escape = "\\u2029"
            default:
                escape = scalar.value < 0x20 || scalar.value == 0x7F ? unicodeEscape(scalar.value) : nil
            }
            if let escape {
                text.unicodeScalars.append(contentsOf: scalars[pending..<index])
                text += escape
                pending = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        text.unicodeScalars.append(contentsOf: scalars[pending..<scalars.endIndex])
        text.append("\"")
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: false)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// Now, in UTC, as ISO 8601 with milliseconds: `2026-11-25T05:43:12.345Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return timestamp(seconds: Int(now.tv_sec), milliseconds: Int(now.tv_nsec / 1_000_000))
    }

    /// `seconds` since the epoch plus `milliseconds`, in UTC, as ISO 8601.
    static func timestamp(seconds: Int, milliseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))T"
            + "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2))."
            + "\(padded(Int32(milliseconds), 3))Z"
    }
}

/// Writes whole lines to file descriptor 2 with `write(2)`, one at a time, so lines from different threads never
/// interleave.
public enum StandardError {
    private static let lock = Mutex(())

    /// Writes `line` to standard error, retrying short writes and EINTR.
    public static func write(_ line: String) {
        var line = line
        lock.withLock { _ in line.withUTF8 { buffer in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                #if canImport(Glibc)
                let written = Glibc.write(2, pointer, remaining)
                #else
                let written = Darwin.write(2, pointer, remaining)
                #endif
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                remaining -= written
                pointer += written
            }
        } }
    }
}

import Foundation
import Logging

/// How log lines are written: one JSON object per line (for log collectors), or swift-log's text lines (for people).
public enum LogFormat: String, CaseIterable, Sendable {
    case json, text
}

/// The format and least level of a process's log lines.
public struct LoggingSettings: Equatable, Sendable {
    public var format: LogFormat
    public var level: Logger.Level

    public init(format: LogFormat, level: Logger.Level = .info) {
        self.format = format
        self.level = level
    }

    /// From a flag's value (nil when not given), else `ANNALS_LOG_FORMAT` / `ANNALS_LOG_LEVEL`, else the defaults;
    /// throws naming the flag or variable that holds an unknown value.
    static func resolve(format flagFormat: String?, level flagLevel: String?, environment: [String: String],
                        defaultFormat: LogFormat) throws -> LoggingSettings {
        func pick(_ flag: String?, option: String, variable: String) -> (value: String, origin: String)? {
            if let flag { return (flag, "--\(option)") }
            if let value = environment[variable], !value.isEmpty { return (value, variable) }
            return nil
        }
        var settings = LoggingSettings(format: defaultFormat)
        if let (value, origin) = pick(flagFormat, option: "log-format", variable: "ANNALS_LOG_FORMAT") {
            guard let format = LogFormat(rawValue: value.lowercased()) else {
                throw CLIError("\(origin) \(value) is not a log format: use json or text")
            }
            settings.format = format
        }
        if let (value, origin) = pick(flagLevel, option: "log-level", variable: "ANNALS_LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: value.lowercased()) else {
                throw CLIError("\(origin) \(value) is not a log level: use "
                    + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
            }
            settings.level = level
        }
        return settings
    }

    /// The handler for one logger.
    func handler(label: String) -> any LogHandler {
        switch format {
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Makes every `Logger` of the process write this way; call once, before the first log line.
    public func bootstrap() {
        let settings = self
        LoggingSystem.bootstrap { label in settings.handler(label: label) }
    }
}

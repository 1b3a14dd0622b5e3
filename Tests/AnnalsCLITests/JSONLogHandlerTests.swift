@testable import AnnalsCLI
import Foundation
import Logging
import Synchronization
import Testing

/// JSON log lines: one object per line that any JSON parser reads back exactly, whatever the message and metadata
/// hold.
@Suite struct JSONLogHandlerTests {
    /// Collects written lines.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    static func logger(_ lines: Lines, level: Logger.Level = .trace, metadata: Logger.Metadata = [:],
                       provider: Logger.MetadataProvider? = nil) -> Logger {
        var logger = Logger(label: "annals.test") { label in
            var handler = JSONLogHandler(label: label, metadataProvider: provider, write: lines.append)
            handler.metadata = metadata
            return handler
        }
        logger.logLevel = level
        return logger
    }

    /// Each line parsed with JSONSerialization, which rejects anything that is not strict JSON.
    static func objects(_ lines: Lines) throws -> [[String: String]] {
        try lines.all.map { line in
            #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "one line each: \(line)")
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: String], "an object of strings: \(line)")
        }
    }

    static let awkwardText: [String] = [
        "", "plain", "say \"hi\"", #"back\slash and \" both"#, "line\nbreak", "carriage\rreturn", "tab\there",
        "nul\u{0}byte", "bell\u{7}", "unit separator\u{1F}", "delete\u{7F}", "form\u{0C}feed and back\u{08}space",
        "line separator\u{2028}paragraph\u{2029}", "é composed, e\u{301} decomposed", "emoji 👩‍👩‍👧 and 𝄞",
        "</script><script>alert(1)</script>", #"{"nested": "json"}"#, "\\u0000 written out", String(repeating: "x", count: 10_000),
    ]

    @Test(arguments: awkwardText)
    func everyLineParsesBackToWhatWasLogged(text: String) throws {
        let lines = Lines()
        Self.logger(lines).info("\(text)", metadata: ["value": "\(text)", text.isEmpty ? "empty" : "key \(text)": "k"])
        let object = try #require(try Self.objects(lines).first)
        #expect(object["message"] == text)
        #expect(object["value"] == text)
        #expect(object[text.isEmpty ? "empty" : "key \(text)"] == "k")
    }

    @Test func aLineHasTimeLevelLoggerMessageMetadataAndSourceInThatOrder() throws {
        let lines = Lines()
        Self.logger(lines).warning("disk full", metadata: ["zeta": "1", "alpha": "2"])
        let line = try #require(lines.all.first)
        let pattern = #/^\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"warning","logger":"annals\.test","message":"disk full","alpha":"2","zeta":"1","source":"AnnalsCLITests"\}\n$/#
        #expect(line.wholeMatch(of: pattern) != nil, "\(line)")
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(JSONLogHandler.timestamp(seconds: 0, milliseconds: 7) == "1970-01-01T00:00:00.007Z")
        #expect(JSONLogHandler.timestamp(seconds: 1_764_049_392, milliseconds: 345) == "2025-11-25T05:43:12.345Z")
        #expect(JSONLogHandler.timestamp().wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil)
    }

    @Test func metadataIsFlattenedToStrings() throws {
        let lines = Lines()
        Self.logger(lines).info("m", metadata: [
            "count": .stringConvertible(42), "list": ["a", "b"], "nested": ["inner": "x", "deeper": ["leaf": "y"]],
            "nested.inner": "literal",
        ])
        let object = try #require(try Self.objects(lines).first)
        #expect(object["count"] == "42")
        #expect(object["list"] == #"["a", "b"]"#, "as swift-log prints an array")
        #expect(object["nested.deeper.leaf"] == "y")
        #expect(Set([object["nested.inner"], object["nested.inner_"]]) == ["x", "literal"], "both kept: \(object)")
    }

    @Test func metadataNamedLikeALineFieldDoesNotReplaceIt() throws {
        let lines = Lines()
        Self.logger(lines).info("the message", metadata: ["message": "other", "level": "x", "ts": "y", "source": "policy.yaml"])
        let line = try #require(lines.all.first)
        let object = try #require(try Self.objects(lines).first)
        #expect(object["message"] == "the message" && object["level"] == "info" && object["source"] == "AnnalsCLITests")
        #expect(object["metadata.message"] == "other" && object["metadata.source"] == "policy.yaml")
        #expect(object["metadata.level"] == "x" && object["metadata.ts"] == "y")
        #expect(line.components(separatedBy: "\"message\":").count == 2, "no key twice: \(line)")
    }

    @Test func loggerMetadataProviderAndCallMetadataMergeTheCallWinning() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["trace": "t-1", "shared": "provider"] }
        var logger = Self.logger(lines, metadata: ["worker": "w-1", "shared": "logger"], provider: provider)
        logger[metadataKey: "partition"] = "3"
        logger.info("m", metadata: ["shared": "call"])
        let object = try #require(try Self.objects(lines).first)
        #expect(object["worker"] == "w-1" && object["trace"] == "t-1" && object["partition"] == "3")
        #expect(object["shared"] == "call")
    }

    @Test func linesBelowTheLevelAreNotWritten() throws {
        let lines = Lines()
        let logger = Self.logger(lines, level: .warning)
        logger.debug("hidden")
        logger.info("hidden")
        logger.error("shown")
        #expect(try Self.objects(lines).map { $0["message"] } == ["shown"])
        #expect(try Self.objects(lines).map { $0["level"] } == ["error"])
    }

    @Test func linesFromManyThreadsStayWhole() async throws {
        let lines = Lines()
        let logger = Self.logger(lines)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<200 { logger.info("line \(index)", metadata: ["task": "\(task)"]) }
                }
            }
        }
        #expect(try Self.objects(lines).count == 1_600)
    }

    @Test func textAndJSONAreTheFormatsAndJSONIsTheWorkersDefault() throws {
        #expect(try LoggingSettings.resolve(format: nil, level: nil, environment: [:], defaultFormat: .json)
            == LoggingSettings(format: .json, level: .info))
        #expect(try LoggingSettings.resolve(format: nil, level: nil, environment: ["ANNALS_LOG_FORMAT": "text",
                                                                                   "ANNALS_LOG_LEVEL": "debug"],
                                            defaultFormat: .json) == LoggingSettings(format: .text, level: .debug))
        #expect(try LoggingSettings.resolve(format: "json", level: "error", environment: ["ANNALS_LOG_FORMAT": "text"],
                                            defaultFormat: .text) == LoggingSettings(format: .json, level: .error))
        #expect(throws: CLIError.self) {
            try LoggingSettings.resolve(format: "yaml", level: nil, environment: [:], defaultFormat: .json)
        }
        do {
            _ = try LoggingSettings.resolve(format: nil, level: nil, environment: ["ANNALS_LOG_LEVEL": "loud"], defaultFormat: .json)
            Issue.record("loud accepted")
        } catch {
            #expect("\(error)" == "ANNALS_LOG_LEVEL loud is not a log level: use trace, debug, info, notice, warning, error, critical")
        }
    }
}

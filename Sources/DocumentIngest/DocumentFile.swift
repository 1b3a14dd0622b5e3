import AnnalsEvents
import Crypto
import Foundation
import SwiftProtobuf

/// A markdown document with YAML front matter, read into the `DocumentIngested` event that publishes it.
///
/// The content is the markdown after the front matter, byte for byte; its hash, the event id and the event time
/// follow from the file alone, so loading the same file twice gives the same event.
public struct DocumentFile: Sendable, Equatable {
    /// `meta.producer` of every event `annals ingest` publishes.
    public static let producer = "annals-ingest"
    /// Event time of a document whose front matter has no `occurred_at`: fixed, so replays are identical.
    public static let defaultOccurredAt = EventTimestamp(seconds: 1_767_225_600)  // 2026-01-01T00:00:00Z
    /// `meta.schema_version` written.
    public static let schemaVersion: UInt32 = 1

    /// The path the file was read from, for messages.
    public var path: String
    /// The event to publish on `document-ingested`, keyed by its document id.
    public var event: DocumentIngested

    /// Parses a document file's text; `path` only names the file in errors.
    public init(path: String, text: String) throws(DocumentFileError) {
        let frontMatter = try FrontMatter.split(text, path: path)
        var reader = FrontMatterReader(lineOffset: frontMatter.yamlFirstLine - 1)
        reader.read(frontMatter.yaml)
        var problems = reader.problems
        var event = reader.event
        event.content = frontMatter.body
        if frontMatter.body.allSatisfy(\.isWhitespace) {
            problems.append(.init(line: frontMatter.closingLine, "no markdown after the front matter: the document has no content"))
        }
        event.contentHash = Self.sha256Hex(frontMatter.body)
        event.meta = EventMeta.with {
            $0.eventID = Self.eventID(documentID: event.documentID, version: event.version, contentHash: event.contentHash)
            $0.occurredAt = reader.occurredAt ?? Self.defaultOccurredAt
            $0.producer = Self.producer
            $0.schemaVersion = Self.schemaVersion
        }
        if problems.isEmpty {
            // The contract every consumer enforces, as a last gate; named in the front matter's terms where possible.
            problems = EventValidator.problems(in: .documentIngested(event)).map { problem in
                let place = reader.fieldPlaces[problem.field]
                return .init(line: place?.line, "`\(place?.key ?? problem.field)` \(problem.problem)")
            }
        }
        guard problems.isEmpty else {
            // In file order, as an editor lists them; problems without a line (something missing) first.
            let ordered = problems.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            throw DocumentFileError(path: path, problems: ordered.map(\.element))
        }
        self.path = path
        self.event = event
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(DocumentFileError) -> DocumentFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DocumentFileError(path: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw DocumentFileError(path: path, "is a directory, not a document file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DocumentFileError(path: path, "cannot be read: check its permissions")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DocumentFileError(path: path, "is not UTF-8 text")
        }
        return try DocumentFile(path: path, text: text)
    }

    /// Words in the content, split at whitespace.
    public var wordCount: Int {
        event.content.split(whereSeparator: \.isWhitespace).count
    }

    /// `doc-<document id>-v<version>-<first 12 hex digits of the content hash>`; when that would break the
    /// identifier length limit, `doc-` and 32 hex digits of the SHA-256 of the three.
    public static func eventID(documentID: String, version: UInt64, contentHash: String) -> String {
        let readable = "doc-\(documentID)-v\(version)-\(contentHash.prefix(12))"
        guard readable.utf8.count > EventValidator.maxIdentifierLength else { return readable }
        return "doc-" + sha256Hex("\(documentID)\n\(version)\n\(contentHash)").prefix(32)
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`, as `sha256sum` prints it.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }
}

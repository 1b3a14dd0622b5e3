import Foundation

/// Where the embeddings API key comes from. The key itself is read once, when the embedder
/// is built, and never printed.
public enum APIKeySource: Sendable, Equatable, CustomStringConvertible {
    /// An environment variable, e.g. `OPENAI_API_KEY` (the default).
    case environment(String)
    /// A file holding the key (a mounted secret); trailing newlines and spaces are ignored.
    case file(String)
    /// No key and no `Authorization` header: local servers such as Ollama or llama.cpp.
    case none

    /// The default source: `OPENAI_API_KEY`.
    public static let openAIEnvironment = APIKeySource.environment("OPENAI_API_KEY")

    /// Where the key is read from, never the key: "environment variable OPENAI_API_KEY".
    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "key file \(path)"
        case .none: "no key"
        }
    }

    /// The key, or nil for `.none`; throws, without quoting any of the key, when it is missing or unusable.
    func resolve(environment: [String: String]) throws(OpenAIEmbedderError) -> APIKey? {
        let raw: String
        switch self {
        case .none:
            return nil
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else { throw .missingAPIKey(environmentVariable: name) }
            raw = value
        case .file(let path):
            let contents: String
            do {
                contents = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .unreadableKeyFile(path: path, reason: Self.reason(error))
            }
            raw = String(contents.reversed().drop(while: { $0.isNewline || $0 == " " || $0 == "\t" }).reversed())
            guard !raw.isEmpty else { throw .emptyKeyFile(path: path) }
        }
        // A space or control character would be rejected by the HTTP client with an error
        // that quotes the header value, i.e. the key; refuse it here without quoting it.
        guard raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .malformedAPIKey(source: description)
        }
        return APIKey(raw)
    }

    private static func reason(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return error.localizedDescription
    }
}

/// An API key that cannot be printed, dumped or logged by accident.
struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: []) }

    /// `text` with every occurrence of the key replaced, for server messages that echo it.
    func redact(_ text: String) -> String {
        text.replacingOccurrences(of: value, with: "<redacted>")
    }
}

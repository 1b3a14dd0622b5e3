/// Why bytes on a topic could not become an event. The description names the topic and what was wrong.
public enum EventDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not the topic's message type in the expected encoding.
    case undecodable(topic: AnnalsTopic, reason: String)
    /// The message decoded but breaks the contract.
    case invalid(topic: AnnalsTopic, problems: [ValidationProblem])
    /// A producer labelled the message as another type.
    case wrongType(topic: AnnalsTopic, declared: String)
    /// The message has no value at all.
    case empty(topic: AnnalsTopic)

    public var description: String {
        switch self {
        case .undecodable(_, let reason):
            reason
        case .invalid(let topic, let problems):
            "invalid \(topic.messageTypeName): " + problems.map(\.description).joined(separator: "; ")
        case .wrongType(let topic, let declared):
            "topic \(topic) carries \(topic.messageTypeName) but the message is labelled \(Self.printable(declared))"
        case .empty(let topic):
            "empty message on topic \(topic)"
        }
    }
}

extension EventDecodingError {
    /// Longest part of a producer's label quoted in an error.
    static let maxQuotedScalars = 120

    /// A producer's label as an operator can read it in a log line or a table: control and format characters (NUL,
    /// escape sequences, bidi overrides, zero-width marks) and replacement characters written as `\u{…}`, and cut
    /// after `maxQuotedScalars` characters. The header is the producer's, so an error must not carry it raw.
    static func printable(_ label: String) -> String {
        var text = ""
        for (index, scalar) in label.unicodeScalars.enumerated() {
            guard index < maxQuotedScalars else { return text + "… (\(label.utf8.count) bytes)" }
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
                text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                if scalar == "\u{FFFD}" { text += "\\u{FFFD}" } else { text.unicodeScalars.append(scalar) }
            }
        }
        return text
    }
}

/// One broken rule: which field, and what is wrong with it.
public struct ValidationProblem: Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field) \(problem)" }
}

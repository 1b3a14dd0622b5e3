import SwiftProtobuf

/// Plain-words descriptions of swift-protobuf's decoding errors, for people fixing their input.
enum DecodingErrorDescription {
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as JSONDecodingError: describe(error)
        case let error as BinaryDecodingError: "\(error) (the bytes are not this message type's protobuf encoding)"
        default: "\(error)"
        }
    }

    private static func describe(_ error: JSONDecodingError) -> String {
        switch error {
        case .unknownField(let name): "unknown field \"\(name)\""
        case .malformedNumber, .numberRange, .leadingZero: "a number is malformed or out of range"
        case .malformedBool: "a boolean is malformed"
        case .malformedString, .invalidUTF8: "a string is malformed"
        case .malformedTimestamp: "a timestamp is malformed (use RFC 3339, e.g. 2026-01-01T00:00:00Z)"
        case .malformedDuration: "a duration is malformed"
        case .unrecognizedEnumValue: "an enum value is not recognised"
        case .schemaMismatch: "a field has a value of the wrong type"
        case .truncated: "the JSON ends too early"
        case .trailingGarbage: "there is text after the JSON object"
        case .illegalNull: "a field is null where a value is required"
        case .messageDepthLimit: "the JSON nests too deeply"
        default: "not a well-formed JSON object of this message type (\(error))"
        }
    }
}

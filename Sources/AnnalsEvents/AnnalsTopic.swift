import SwiftProtobuf

/// The four event topics, each carrying exactly one message type and keyed by one field.
public enum AnnalsTopic: String, CaseIterable, Sendable, CustomStringConvertible {
    case documentIngested = "document-ingested"
    case storyEvent = "story-event"
    case metricSample = "metric-sample"
    case scaleDecision = "scale-decision"

    /// Kafka header naming the message type, set by Annals producers; optional for others.
    public static let messageTypeHeader = "annals-type"

    /// The topic carrying the named message type, e.g. `annals.v1.StoryEvent`.
    public init?(messageTypeName: String) {
        guard let topic = Self.allCases.first(where: { $0.messageTypeName == messageTypeName }) else { return nil }
        self = topic
    }

    public var description: String { rawValue }

    /// Fully qualified protobuf name of the topic's message type.
    public var messageTypeName: String {
        switch self {
        case .documentIngested: Annals_V1_DocumentIngested.protoMessageName
        case .storyEvent: Annals_V1_StoryEvent.protoMessageName
        case .metricSample: Annals_V1_MetricSample.protoMessageName
        case .scaleDecision: Annals_V1_ScaleDecision.protoMessageName
        }
    }

    /// The field whose value is the partitioning key.
    public var keyField: String {
        switch self {
        case .documentIngested: "document_id"
        case .storyEvent: "world_id"
        case .metricSample, .scaleDecision: "tier"
        }
    }

    /// Decodes protobuf binary bytes of this topic's message type and validates them.
    public func decode(binary bytes: [UInt8]) throws(EventDecodingError) -> AnnalsEvent {
        try decode(.binary(bytes))
    }

    /// Decodes one proto3 JSON object of this topic's message type and validates it.
    public func decode(json: String) throws(EventDecodingError) -> AnnalsEvent {
        try decode(.json(json))
    }

    /// Protobuf binary bytes of this topic's message type as proto3 JSON, without validating them: to show a dead
    /// letter as it is. Throws the same reason decoding gives when the bytes are not the message type.
    public func jsonString(binary bytes: [UInt8]) throws(EventDecodingError) -> String {
        let encoded = EncodedMessage.binary(bytes)
        let message: any SwiftProtobuf.Message
        do {
            message = switch self {
            case .documentIngested: try encoded.decode(Annals_V1_DocumentIngested.self)
            case .storyEvent: try encoded.decode(Annals_V1_StoryEvent.self)
            case .metricSample: try encoded.decode(Annals_V1_MetricSample.self)
            case .scaleDecision: try encoded.decode(Annals_V1_ScaleDecision.self)
            }
        } catch {
            throw .undecodable(topic: self, reason: "not a valid \(messageTypeName) in \(encoded.formatName): \(DecodingErrorDescription.describe(error))")
        }
        do {
            return try message.jsonString()
        } catch {
            throw .undecodable(topic: self, reason: "a \(messageTypeName) with no proto3 JSON form: \(error)")
        }
    }

    private func decode(_ encoded: EncodedMessage) throws(EventDecodingError) -> AnnalsEvent {
        let event: AnnalsEvent
        do {
            switch self {
            case .documentIngested: event = .documentIngested(try encoded.decode(Annals_V1_DocumentIngested.self))
            case .storyEvent: event = .storyEvent(try encoded.decode(Annals_V1_StoryEvent.self))
            case .metricSample: event = .metricSample(try encoded.decode(Annals_V1_MetricSample.self))
            case .scaleDecision: event = .scaleDecision(try encoded.decode(Annals_V1_ScaleDecision.self))
            }
        } catch {
            throw .undecodable(topic: self, reason: "not a valid \(messageTypeName) in \(encoded.formatName): \(DecodingErrorDescription.describe(error))")
        }
        let problems = EventValidator.problems(in: event)
        guard problems.isEmpty else { throw .invalid(topic: self, problems: problems) }
        return event
    }
}

/// Serialized bytes in one of the two encodings producers use.
private enum EncodedMessage {
    case binary([UInt8])
    case json(String)

    var formatName: String {
        switch self {
        case .binary: "protobuf binary"
        case .json: "proto3 JSON"
        }
    }

    func decode<M: SwiftProtobuf.Message>(_ type: M.Type) throws -> M {
        switch self {
        case .binary(let bytes):
            return try M(serializedBytes: bytes)
        case .json(let text):
            var options = JSONDecodingOptions()
            options.ignoreUnknownFields = false
            return try M(jsonString: text, options: options)
        }
    }
}

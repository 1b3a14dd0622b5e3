import SwiftProtobuf

public typealias DocumentIngested = Annals_V1_DocumentIngested
public typealias StoryEvent = Annals_V1_StoryEvent
public typealias MetricSample = Annals_V1_MetricSample
public typealias ScaleDecision = Annals_V1_ScaleDecision
public typealias DecisionInputs = Annals_V1_DecisionInputs
public typealias Tier = Annals_V1_Tier
public typealias EventMeta = Annals_V1_EventMeta
public typealias DeclaredConcept = Annals_V1_DeclaredConcept
public typealias DeclaredRelationship = Annals_V1_DeclaredRelationship
public typealias ConceptUpdate = Annals_V1_ConceptUpdate
public typealias RelationshipUpdate = Annals_V1_RelationshipUpdate

/// One decoded, validated event of any topic.
public enum AnnalsEvent: Sendable, Equatable {
    case documentIngested(DocumentIngested)
    case storyEvent(StoryEvent)
    case metricSample(MetricSample)
    case scaleDecision(ScaleDecision)

    /// The topic this event belongs on.
    public var topic: AnnalsTopic {
        switch self {
        case .documentIngested: .documentIngested
        case .storyEvent: .storyEvent
        case .metricSample: .metricSample
        case .scaleDecision: .scaleDecision
        }
    }

    /// The event's metadata.
    public var meta: EventMeta {
        switch self {
        case .documentIngested(let e): e.meta
        case .storyEvent(let e): e.meta
        case .metricSample(let e): e.meta
        case .scaleDecision(let e): e.meta
        }
    }

    /// The partitioning key: document id, world id or tier name.
    public var key: String {
        switch self {
        case .documentIngested(let e): e.documentID
        case .storyEvent(let e): e.worldID
        case .metricSample(let e): e.tier.name
        case .scaleDecision(let e): e.tier.name
        }
    }

    /// Protobuf binary encoding.
    public func serializedBytes() throws -> [UInt8] {
        switch self {
        case .documentIngested(let e): try e.serializedBytes()
        case .storyEvent(let e): try e.serializedBytes()
        case .metricSample(let e): try e.serializedBytes()
        case .scaleDecision(let e): try e.serializedBytes()
        }
    }
}

extension Annals_V1_Tier {
    /// Lower-case tier name used as the Kafka key and in tables: gold, silver, bronze.
    public var name: String {
        switch self {
        case .gold: "gold"
        case .silver: "silver"
        case .bronze: "bronze"
        case .unspecified, .UNRECOGNIZED: "unspecified"
        }
    }
}
public typealias EventTimestamp = SwiftProtobuf.Google_Protobuf_Timestamp

extension EventTimestamp {
    /// Whole microseconds since the epoch: Postgres' timestamp resolution, truncated the same way everywhere.
    public var microsecondsSinceEpoch: Int64 {
        seconds &* 1_000_000 &+ Int64(nanos / 1_000)
    }

    /// The timestamp `micros` whole microseconds after the epoch (the inverse of ``microsecondsSinceEpoch``).
    public init(microsecondsSinceEpoch micros: Int64) {
        self.init(seconds: micros / 1_000_000, nanos: Int32(micros % 1_000_000) * 1_000)
    }
}

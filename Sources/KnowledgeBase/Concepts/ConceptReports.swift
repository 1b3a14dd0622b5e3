import Foundation

/// A concept's history as readers receive it (the `annals concept history --json` and `annals-api` shape).
public struct ConceptHistoryReport: Codable, Sendable, Equatable {
    /// One change, with only the fields it set.
    public struct Change: Codable, Sendable, Equatable {
        /// nil for a global change.
        public var world: String?
        public var eventID: String
        /// Event time, ISO 8601 in UTC.
        public var occurredAt: String
        /// "document <id> v<version>" or "story event #<sequence>".
        public var source: String
        public var name: String?
        public var kind: String?
        public var description: String?
        public var attributes: [String: String]
    }

    public var conceptID: String
    /// nil for the global view.
    public var world: String?
    public var name: String
    public var kind: String
    public var description: String
    public var attributes: [String: String]
    /// Oldest first.
    public var changes: [Change]

    public init(_ history: ConceptQueries.History) {
        conceptID = history.conceptID
        world = history.worldID.isEmpty ? nil : history.worldID
        name = history.current.name
        kind = history.current.kind
        description = history.current.description
        attributes = history.current.attributes
        changes = history.changes.map {
            Change(world: $0.worldID.isEmpty ? nil : $0.worldID, eventID: $0.cause.eventID,
                   occurredAt: Self.timestamp($0.cause.occurredAtMicroseconds),
                   source: Self.sourceDescription($0.cause.source), name: $0.name.isEmpty ? nil : $0.name,
                   kind: $0.kind.isEmpty ? nil : $0.kind, description: $0.description.isEmpty ? nil : $0.description,
                   attributes: $0.attributes)
        }
    }

    /// "document <id> v<version>" or "story event #<sequence>".
    public static func sourceDescription(_ source: ChangeCause.Source) -> String {
        switch source {
        case .document(let id, let version): "document \(id) v\(version)"
        case .story(let sequence): "story event #\(sequence)"
        }
    }

    /// ISO 8601 in UTC, to the second.
    public static func timestamp(_ microseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000).formatted(.iso8601)
    }
}

/// A concept reached from another, with its name and kind in the world and the edge that reached it.
public struct RelatedConceptReport: Codable, Sendable, Equatable {
    public var conceptID: String
    public var name: String?
    public var kind: String?
    /// 1 for a direct neighbour.
    public var depth: Int
    public var via: ConceptEdge

    public init(_ related: RelatedConcept, summary: ConceptQueries.Summary?) {
        conceptID = related.conceptID
        name = summary?.name
        kind = summary?.kind
        depth = related.depth
        via = related.via
    }
}

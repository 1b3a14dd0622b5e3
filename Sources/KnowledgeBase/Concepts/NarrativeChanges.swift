import AnnalsEvents
import Projection

/// The concept and relationship changes an event carries; pure.
///
/// Text is PII-scrubbed like document content. A relationship weight of 0 (proto3's "not set") means 1.
public struct NarrativeChanges: Sendable, Equatable {
    public var concepts: [ConceptChange] = []
    public var relationships: [RelationshipChange] = []

    public init(concepts: [ConceptChange] = [], relationships: [RelationshipChange] = []) {
        self.concepts = concepts
        self.relationships = relationships
    }

    public var isEmpty: Bool { concepts.isEmpty && relationships.isEmpty }

    /// Adds `other`'s changes after these.
    public mutating func append(_ other: NarrativeChanges) {
        concepts += other.concepts
        relationships += other.relationships
    }

    /// What a document version declares, in its scope (its world, or global). Relationships the previously
    /// applied version declared and this one does not are removed: a document owns its declarations.
    public static func declared(by document: DocumentIngested, at coordinates: EventCoordinates,
                                replacing previous: Set<RelationshipChange.Key>) -> NarrativeChanges {
        let cause = ChangeCause(
            eventID: document.meta.eventID, occurredAtMicroseconds: document.meta.occurredAt.microsecondsSinceEpoch,
            source: .document(id: document.documentID, version: Int64(clamping: document.version)), coordinates: coordinates)
        let world = document.worldID
        var changes = NarrativeChanges()
        changes.concepts = document.concepts.map {
            concept($0.conceptID, name: $0.name, kind: $0.kind, description: $0.description_p,
                    attributes: $0.attributes, world: world, cause: cause)
        }
        var declared = Set<RelationshipChange.Key>()
        for relationship in document.relationships {
            let change = edge(relationship, world: world, present: true, cause: cause)
            guard declared.insert(change.key).inserted else { continue }
            changes.relationships.append(change)
        }
        for key in previous.subtracting(declared).sorted(by: Self.keyOrder) {
            changes.relationships.append(RelationshipChange(key: key, weight: 1, present: false, cause: cause))
        }
        return changes
    }

    /// The concept and relationship updates a story event carries, in its world.
    public static func updates(in story: StoryEvent, at coordinates: EventCoordinates) -> NarrativeChanges {
        let cause = ChangeCause(
            eventID: story.meta.eventID, occurredAtMicroseconds: story.meta.occurredAt.microsecondsSinceEpoch,
            source: .story(sequence: Int64(clamping: story.sequence)), coordinates: coordinates)
        var changes = NarrativeChanges()
        changes.concepts = story.conceptUpdates.map {
            concept($0.conceptID, name: $0.name, kind: $0.kind, description: $0.description_p,
                    attributes: $0.attributes, world: story.worldID, cause: cause)
        }
        changes.relationships = story.relationshipUpdates.map {
            edge($0.relationship, world: story.worldID, present: $0.change != .remove, cause: cause)
        }
        return changes
    }

    private static func concept(_ id: String, name: String, kind: String, description: String,
                                attributes: [String: String], world: String, cause: ChangeCause) -> ConceptChange {
        ConceptChange(
            worldID: world, conceptID: id, name: PIIScrubber.scrub(name).text, kind: kind,
            description: PIIScrubber.scrub(description).text,
            attributes: attributes.mapValues { PIIScrubber.scrub($0).text }, cause: cause)
    }

    private static func edge(_ relationship: DeclaredRelationship, world: String, present: Bool,
                             cause: ChangeCause) -> RelationshipChange {
        RelationshipChange(
            key: .init(worldID: world, fromConceptID: relationship.fromConceptID,
                       toConceptID: relationship.toConceptID, kind: relationship.kind),
            weight: relationship.weight == 0 ? 1 : relationship.weight, present: present, cause: cause)
    }

    private static func keyOrder(_ a: RelationshipChange.Key, _ b: RelationshipChange.Key) -> Bool {
        [a.worldID, a.fromConceptID, a.toConceptID, a.kind].lexicographicallyPrecedes(
            [b.worldID, b.fromConceptID, b.toConceptID, b.kind]) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

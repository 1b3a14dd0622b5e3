import AnnalsEvents
import Foundation

extension DocumentIngested {
    /// Adds concept declarations, each (id, description, attributes), named after the id capitalised and of kind
    /// "character", and relationships, each (from, to, kind).
    public mutating func declare(concepts: [(String, String, [String: String])], relationships: [(String, String, String)]) {
        self.concepts = concepts.map { id, description, attributes in
            var concept = DeclaredConcept()
            concept.conceptID = id
            concept.name = id.capitalized
            concept.kind = "character"
            concept.description_p = description
            concept.attributes = attributes
            return concept
        }
        self.relationships = relationships.map { from, to, kind in
            var relationship = DeclaredRelationship()
            relationship.fromConceptID = from
            relationship.toConceptID = to
            relationship.kind = kind
            return relationship
        }
    }
}

extension StoryEvent {
    /// A "happening" in `world` (event id `world-sequence`) that may update one concept, (id, description,
    /// attributes), and one relationship, (from, to, kind, change).
    public static func happening(_ world: String, _ sequence: UInt64, at occurredAt: EventTimestamp,
                                 concept: (String, String, [String: String])? = nil,
                                 relationship: (String, String, String, RelationshipUpdate.Change)? = nil) -> StoryEvent {
        var event = StoryEvent()
        event.meta.eventID = "\(world)-\(sequence)"
        event.meta.occurredAt = occurredAt
        event.worldID = world
        event.sequence = sequence
        event.kind = "happening"
        if let (id, description, attributes) = concept {
            var update = ConceptUpdate()
            update.conceptID = id
            update.description_p = description
            update.attributes = attributes
            event.conceptUpdates = [update]
        }
        if let (from, to, kind, change) = relationship {
            var update = RelationshipUpdate()
            update.relationship.fromConceptID = from
            update.relationship.toConceptID = to
            update.relationship.kind = kind
            update.change = change
            event.relationshipUpdates = [update]
        }
        return event
    }
}

/// One statement about a concept in one scope: a document declaring it, or a story event updating it.
///
/// Fields are a patch: an empty name, kind or description leaves the earlier value; an attribute
/// with an empty value removes that attribute.
public struct ConceptChange: Sendable, Hashable {
    /// The world it holds in; "" for global (from a global document, visible from every world).
    public var worldID: String
    public var conceptID: String
    public var name: String
    public var kind: String
    public var description: String
    public var attributes: [String: String]
    public var cause: ChangeCause

    public init(worldID: String, conceptID: String, name: String, kind: String, description: String,
                attributes: [String: String], cause: ChangeCause) {
        self.worldID = worldID
        self.conceptID = conceptID
        self.name = name
        self.kind = kind
        self.description = description
        self.attributes = attributes
        self.cause = cause
    }
}

/// A typed edge between two concepts in one scope, added (`present`) or removed.
public struct RelationshipChange: Sendable, Hashable {
    /// Identifies an edge: the same key in a world overrides the global one there.
    public struct Key: Sendable, Hashable {
        /// "" for global.
        public var worldID: String
        public var fromConceptID: String
        public var toConceptID: String
        public var kind: String

        public init(worldID: String, fromConceptID: String, toConceptID: String, kind: String) {
            self.worldID = worldID
            self.fromConceptID = fromConceptID
            self.toConceptID = toConceptID
            self.kind = kind
        }
    }

    public var key: Key
    public var weight: Double
    /// false: the edge is removed (in a world, this hides a global edge of the same key there).
    public var present: Bool
    public var cause: ChangeCause

    public init(key: Key, weight: Double, present: Bool, cause: ChangeCause) {
        self.key = key
        self.weight = weight
        self.present = present
        self.cause = cause
    }
}

/// What a concept is after a series of changes; pure.
public struct ConceptState: Sendable, Equatable {
    public var name = ""
    public var kind = ""
    public var description = ""
    public var attributes: [String: String] = [:]
    /// How many changes made it.
    public var changeCount = 0
    /// The latest change, in event time.
    public var lastCause: ChangeCause?

    public init() {}

    /// Applies `changes` in event-time order (`ChangeCause` order), whatever order they are given in.
    public static func folding(_ changes: some Sequence<ConceptChange>, onto base: ConceptState = ConceptState()) -> ConceptState {
        changes.sorted { $0.cause < $1.cause }.reduce(into: base) { $0.apply($1) }
    }

    /// Non-empty fields replace; an attribute with an empty value is removed.
    public mutating func apply(_ change: ConceptChange) {
        if !change.name.isEmpty { name = change.name }
        if !change.kind.isEmpty { kind = change.kind }
        if !change.description.isEmpty { description = change.description }
        for (key, value) in change.attributes {
            attributes[key] = value.isEmpty ? nil : value
        }
        changeCount += 1
        lastCause = change.cause
    }
}

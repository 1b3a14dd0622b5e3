/// An edge as seen from one world: the world's own version of it, or else the global one.
public struct ConceptEdge: Sendable, Hashable, Codable {
    public var fromConceptID: String
    public var toConceptID: String
    public var kind: String
    public var weight: Double
    /// nil when the edge is global.
    public var worldID: String?

    public init(fromConceptID: String, toConceptID: String, kind: String, weight: Double, worldID: String?) {
        self.fromConceptID = fromConceptID
        self.toConceptID = toConceptID
        self.kind = kind
        self.weight = weight
        self.worldID = worldID
    }
}

/// A concept reached from the start of a walk, with the edge that first reached it.
public struct RelatedConcept: Sendable, Hashable, Codable {
    public var conceptID: String
    /// 1 for a direct neighbour.
    public var depth: Int
    public var via: ConceptEdge
}

/// Breadth-first walks over concept relationships, in both directions; pure.
public enum ConceptGraph {
    /// Deepest walk allowed: the graph of a busy world grows quickly with depth.
    public static let depthRange = 1...5

    /// Every concept within `depth` hops of `start` (edges followed either way), nearest first; each
    /// concept appears once, reached by the first edge in (depth, from, to, kind) order.
    /// `edges` returns the edges touching any of the given concepts.
    public static func walk(from start: String, depth: Int,
                            edges: (_ frontier: [String]) throws -> [ConceptEdge]) rethrows -> [RelatedConcept] {
        var seen: Set<String> = [start]
        var frontier = [start]
        var reached: [RelatedConcept] = []
        var level = 0
        while level < depth, !frontier.isEmpty {
            level += 1
            let inFrontier = Set(frontier)
            var next: [String] = []
            let sorted = try edges(frontier).sorted {
                ($0.fromConceptID, $0.toConceptID, $0.kind) < ($1.fromConceptID, $1.toConceptID, $1.kind)
            }
            for edge in sorted {
                for (here, there) in [(edge.fromConceptID, edge.toConceptID), (edge.toConceptID, edge.fromConceptID)]
                where inFrontier.contains(here) && !seen.contains(there) {
                    seen.insert(there)
                    next.append(there)
                    reached.append(RelatedConcept(conceptID: there, depth: level, via: edge))
                }
            }
            frontier = next
        }
        return reached
    }
}

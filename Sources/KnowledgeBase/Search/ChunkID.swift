/// Identifies one chunk of the knowledge base: its document and its position in it.
///
/// Ordered by document id, then ordinal: the tie-break wherever scores are equal, so results never depend
/// on the order rows happened to come back in.
public struct ChunkID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var documentID: String
    public var ordinal: Int

    public init(documentID: String, ordinal: Int) {
        self.documentID = documentID
        self.ordinal = ordinal
    }

    public static func < (lhs: ChunkID, rhs: ChunkID) -> Bool {
        (lhs.documentID, lhs.ordinal) < (rhs.documentID, rhs.ordinal)
    }

    public var description: String { "\(documentID)#\(ordinal)" }
}

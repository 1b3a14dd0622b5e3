import AnnalsEvents

/// Orders a tier's decisions: the later `decided_at` is newer, and of two decided at the same instant the one
/// whose decision id sorts later byte by byte (UTF-8) is. Nothing else (arrival order, offsets) counts, so every
/// replay and every worker agrees on which decision is the newest.
public struct DecisionStamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// When the decision was made, in whole microseconds since the epoch (Postgres' resolution).
    public var decidedAt: Int64
    /// The decision's deterministic id.
    public var decisionID: String

    public init(decidedAt: Int64, decisionID: String) {
        self.decidedAt = decidedAt
        self.decisionID = decisionID
    }

    /// The stamp of `decision`: its `decided_at`, or its event time when a producer left `decided_at` unset.
    public init(_ decision: ScaleDecision) {
        let time = decision.hasDecidedAt ? decision.decidedAt : decision.meta.occurredAt
        self.init(decidedAt: time.microsecondsSinceEpoch, decisionID: decision.decisionID)
    }

    public static func < (lhs: DecisionStamp, rhs: DecisionStamp) -> Bool {
        if lhs.decidedAt != rhs.decidedAt { return lhs.decidedAt < rhs.decidedAt }
        return lhs.decisionID.utf8.lexicographicallyPrecedes(rhs.decisionID.utf8)
    }

    /// Equal bytes, not Swift's canonical string equivalence, so that `==` agrees with `<` and with Postgres' "C" collation.
    public static func == (lhs: DecisionStamp, rhs: DecisionStamp) -> Bool {
        lhs.decidedAt == rhs.decidedAt && lhs.decisionID.utf8.elementsEqual(rhs.decisionID.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(decidedAt)
        for byte in decisionID.utf8 { hasher.combine(byte) }
    }

    public var description: String { "\(decisionID) decided at \(decidedAt)µs" }
}

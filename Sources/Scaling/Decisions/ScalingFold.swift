import AnnalsEvents
import Projection

/// A tier's desired capacity as the newest decision for it set it: one `scaling.capacity` row.
public struct TierCapacity: Sendable, Equatable {
    public var tier: String
    public var stamp: DecisionStamp
    public var desired: Int
    public var desiredSpot: Int
    public var desiredOnDemand: Int
    /// The capacity the deciding worker saw.
    public var current: Int
    public var reason: String
    public var policyVersion: String

    public init(tier: String, stamp: DecisionStamp, desired: Int, desiredSpot: Int, desiredOnDemand: Int,
                current: Int, reason: String, policyVersion: String) {
        self.tier = tier
        self.stamp = stamp
        self.desired = desired
        self.desiredSpot = desiredSpot
        self.desiredOnDemand = desiredOnDemand
        self.current = current
        self.reason = reason
        self.policyVersion = policyVersion
    }

    /// The capacity `decision` asks for.
    public init(_ decision: ScaleDecision) {
        self.init(tier: decision.tier.name, stamp: DecisionStamp(decision), desired: Int(decision.desiredCapacity),
                  desiredSpot: Int(decision.desiredSpot), desiredOnDemand: Int(decision.desiredOnDemand),
                  current: Int(decision.currentCapacity), reason: decision.reason, policyVersion: decision.policyVersion)
    }
}

/// One decision to add to `scaling.decisions`.
public struct DecisionRecord: Sendable, Equatable {
    public var decision: ScaleDecision
    public var coordinates: EventCoordinates
    /// When it arrived its tier already had a newer decision, so it never became the tier's capacity.
    public var superseded: Bool
}

/// What a batch of decisions changes.
public struct ScalingChanges: Sendable, Equatable {
    /// Decisions not seen before, in the order they arrived.
    public var newDecisions: [DecisionRecord] = []
    /// The tiers whose capacity moved, with their new row, in the order they first moved.
    public var capacity: [TierCapacity] = []

    public init(newDecisions: [DecisionRecord] = [], capacity: [TierCapacity] = []) {
        self.newDecisions = newDecisions
        self.capacity = capacity
    }
}

/// Folds a batch of decisions into the scaling tables' changes. Pure: the same decisions in the same per-tier
/// order, against the same tables, give the same changes.
public enum ScalingFold {
    /// `decisions` in offset order per partition; `capacity` the tiers' current rows; `known` the ids already in
    /// `scaling.decisions`. A decision seen before (same id, at this offset or another) changes nothing; a decision
    /// older than its tier's current one is recorded as superseded and leaves the capacity alone.
    public static func fold(_ decisions: [(decision: ScaleDecision, coordinates: EventCoordinates)],
                            capacity: [String: TierCapacity], known: Set<String>) -> ScalingChanges {
        var changes = ScalingChanges()
        var seen = known
        var current = capacity
        var moved: [String] = []
        for (decision, coordinates) in decisions {
            guard seen.insert(decision.decisionID).inserted else { continue }
            let proposed = TierCapacity(decision)
            let newer = current[proposed.tier].map { $0.stamp < proposed.stamp } ?? true
            changes.newDecisions.append(DecisionRecord(decision: decision, coordinates: coordinates, superseded: !newer))
            if newer {
                if !moved.contains(proposed.tier) { moved.append(proposed.tier) }
                current[proposed.tier] = proposed
            }
        }
        changes.capacity = moved.compactMap { current[$0] }
        return changes
    }
}

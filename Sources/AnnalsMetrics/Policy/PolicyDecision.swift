import AnnalsEvents

/// A change the policy asks of a tier: new capacity, or replacement of interrupted spot instances. Published as a
/// `ScaleDecision` on `scale-decision` (see ``event(producer:)``).
public struct PolicyDecision: Sendable, Equatable, CustomStringConvertible {
    /// Why the decision was made.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// Capacity rises.
        case scaleOut = "scale-out"
        /// Capacity falls.
        case scaleIn = "scale-in"
        /// Capacity stays; interrupted spot instances are replaced now. In the `ScaleDecision` event this is the
        /// decision whose `desired_capacity` equals `current_capacity` and whose `inputs.spot_interruption_notice`
        /// is set; its reason names the instance.
        case spotReplacement = "spot-replacement"
    }

    /// Deterministic: the same stream and settings give the same id, so a re-published decision applies once.
    public var decisionID: String
    public var tier: Tier
    public var kind: Kind
    /// Capacity before the decision.
    public var currentCapacity: Int
    /// Capacity asked for.
    public var desiredCapacity: Int
    /// `desiredCapacity` split into spot and on-demand.
    public var split: CapacitySplit
    /// Spot instances to launch at once in place of interrupted ones (0 unless `kind` is `.spotReplacement`).
    public var replacementSpot: Int
    /// Instances whose spot interruption notice this decision answers.
    public var interruptedInstances: [String]
    /// The rule and the numbers behind the decision.
    public var reason: String
    /// The closed minute decided on (window end = minute end), or for a spot replacement the one sample carrying
    /// the notice (window end = its `sampled_at`).
    public var inputs: DecisionInputs
    /// Event time the decision was made: the `sampled_at` of the sample that closed the minute (or carried the notice).
    public var decidedAt: EventTimestamp
    /// ``ScalePolicy/version(settings:)`` of the settings used.
    public var policyVersion: String

    public init(
        decisionID: String, tier: Tier, kind: Kind, currentCapacity: Int, desiredCapacity: Int, split: CapacitySplit,
        replacementSpot: Int, interruptedInstances: [String], reason: String, inputs: DecisionInputs,
        decidedAt: EventTimestamp, policyVersion: String
    ) {
        self.decisionID = decisionID
        self.tier = tier
        self.kind = kind
        self.currentCapacity = currentCapacity
        self.desiredCapacity = desiredCapacity
        self.split = split
        self.replacementSpot = replacementSpot
        self.interruptedInstances = interruptedInstances
        self.reason = reason
        self.inputs = inputs
        self.decidedAt = decidedAt
        self.policyVersion = policyVersion
    }

    /// The minute in which the decision was made.
    public var decidedMinute: Minute { Minute(containing: decidedAt) }

    /// The event to publish on `scale-decision`, keyed by tier; its event id is the decision id and its event time
    /// the decision time, so the event is as deterministic as the decision.
    public func event(producer: String = "annals-metrics-worker") -> ScaleDecision {
        ScaleDecision.with {
            $0.meta = EventMeta.with { meta in
                meta.eventID = decisionID
                meta.occurredAt = decidedAt
                meta.producer = producer
                meta.schemaVersion = 1
            }
            $0.decisionID = decisionID
            $0.tier = tier
            $0.currentCapacity = UInt32(clamping: currentCapacity)
            $0.desiredCapacity = UInt32(clamping: desiredCapacity)
            $0.desiredSpot = UInt32(clamping: split.spot)
            $0.desiredOnDemand = UInt32(clamping: split.onDemand)
            $0.reason = reason
            $0.inputs = inputs
            $0.policyVersion = policyVersion
            $0.decidedAt = decidedAt
        }
    }

    /// `gold 20 → 40 (scale-out) at 2026-03-01T18:05Z: …`.
    public var description: String {
        "\(tier.name) \(currentCapacity) → \(desiredCapacity) (\(kind.rawValue)) at \(decidedMinute): \(reason)"
    }
}

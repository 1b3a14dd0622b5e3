import AnnalsEvents
import AnnalsMetrics
import Projection

/// A decision the policy made, with the sample that led to it.
struct MadeDecision: Sendable, Equatable {
    var decision: PolicyDecision
    /// The `ScaleDecision` to publish, protobuf binary.
    var event: [UInt8]
    /// The sample that closed the decided minute or carried the spot notice.
    var coordinates: EventCoordinates
    /// Position among the decisions that sample led to.
    var ordinal: Int
}

/// The policy over one batch's new samples: each tier's ``TierAutoscaler`` resumes from its stored state and takes
/// its samples in the order given (offset order: a tier's samples share a partition, being keyed by tier). Pure, so
/// batches of any size, a restart from any checkpoint and a replay all make the same decisions.
struct PolicyPass {
    let settings: ScalePolicySettings

    /// The decisions in the order made, and the state of every tier that took a sample.
    func run(_ samples: [SampleAt], states: [Tier: TierAutoscaler.State]) throws
        -> (decisions: [MadeDecision], states: [Tier: TierAutoscaler.State]) {
        var autoscalers: [Tier: TierAutoscaler] = [:]
        var decisions: [MadeDecision] = []
        for (sample, coordinates) in samples {
            let tier = sample.tier
            var autoscaler = autoscalers[tier] ?? states[tier].map { TierAutoscaler(tier: tier, settings: settings, restoring: $0) }
                ?? TierAutoscaler(tier: tier, settings: settings)
            let observation = autoscaler.observe(sample)
            autoscalers[tier] = autoscaler
            for (ordinal, decision) in observation.decisions.enumerated() {
                decisions.append(MadeDecision(
                    decision: decision, event: try decision.event().serializedBytes(), coordinates: coordinates, ordinal: ordinal))
            }
        }
        return (decisions, autoscalers.mapValues(\.state))
    }
}

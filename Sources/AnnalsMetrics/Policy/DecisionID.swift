import AnnalsEvents

/// Deterministic decision ids: `<tier>-<window end, yyyyMMddHHmm>-<24 hex digits>`, the hex being the start of the
/// SHA-256 of everything the decision depends on (tier, kind, window end, capacities, split, replacement, the
/// inputs' exact bits, the interrupted instances and the policy version). The decision time is left out, so a
/// minute closed by a different straggler still gives the same id.
public enum DecisionID {
    /// The id of a decision with these fields.
    public static func make(
        tier: Tier, kind: PolicyDecision.Kind, current: Int, desired: Int, split: CapacitySplit, replacementSpot: Int,
        interruptedInstances: [String], inputs: DecisionInputs, policyVersion: String
    ) -> String {
        let windowEnd = inputs.windowEnd.microsecondsSinceEpoch
        let fields: [String] = [
            "annals.scale-decision.v1", tier.name, kind.rawValue, String(windowEnd),
            String(current), String(desired), String(split.spot), String(split.onDemand), String(replacementSpot),
            interruptedInstances.joined(separator: ","),
            String(inputs.samples), bitsHex(inputs.meanGpuUtilization), bitsHex(inputs.maxGpuUtilization),
            String(inputs.queueDepth), bitsHex(inputs.latencyP95Seconds), String(inputs.activePlayers),
            inputs.spotInterruptionNotice ? "spot" : "-", policyVersion,
        ]
        let hash = sha256Hex(fields.joined(separator: "\n"))
        return "\(tier.name)-\(Minute(containingMicroseconds: windowEnd).compact)-\(hash.prefix(24))"
    }
}

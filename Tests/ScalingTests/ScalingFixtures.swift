import AnnalsEvents
import Kafka
import Projection
import Scaling

/// Scale decisions for tests.
enum ScalingFixtures {
    /// 2026-01-01T00:00:00Z.
    static let epoch: Int64 = 1_767_225_600

    /// A decision for `tier` made `second` seconds after `epoch`, asking for `desired` (80 % spot).
    static func decision(_ id: String, tier: Annals_V1_Tier = .gold, desired: UInt32, second: Int64,
                         current: UInt32 = 1, eventID: String? = nil) -> ScaleDecision {
        var decision = ScaleDecision()
        decision.meta.eventID = eventID ?? "event-\(id)"
        decision.meta.occurredAt = EventTimestamp(seconds: epoch + second + 1)
        decision.meta.producer = "annals-metrics-worker"
        decision.decisionID = id
        decision.tier = tier
        decision.currentCapacity = current
        decision.desiredCapacity = desired
        decision.desiredSpot = desired * 4 / 5
        decision.desiredOnDemand = desired - desired * 4 / 5
        decision.reason = "gpu utilisation"
        decision.policyVersion = "policy-1"
        decision.decidedAt = EventTimestamp(seconds: epoch + second)
        decision.inputs.windowEnd = EventTimestamp(seconds: epoch + second)
        decision.inputs.samples = 12
        decision.inputs.meanGpuUtilization = 0.75
        decision.inputs.maxGpuUtilization = 0.9
        decision.inputs.queueDepth = 40
        decision.inputs.latencyP95Seconds = 0.25
        decision.inputs.activePlayers = 1_200
        return decision
    }

    /// `decisions` as the runner hands them to `apply`, at consecutive offsets of partition 0 from `offset`.
    static func projected(_ decisions: [ScaleDecision], from offset: Int64 = 0) -> [ProjectedEvent] {
        decisions.enumerated().map { index, decision in
            ProjectedEvent(event: .scaleDecision(decision),
                           coordinates: EventCoordinates(topic: "scale-decision", partition: 0, offset: offset + Int64(index)))
        }
    }

    /// A record for the scale-decision topic, keyed by tier.
    static func record(_ decision: ScaleDecision) throws -> KafkaRecord {
        KafkaRecord(topic: "scale-decision", key: Array(decision.tier.name.utf8), value: try decision.serializedBytes(),
                    headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(ScaleDecision.protoMessageName.utf8))])
    }
}

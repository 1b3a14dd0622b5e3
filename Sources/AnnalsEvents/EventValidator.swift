import SwiftProtobuf

/// The contract rules every event must satisfy beyond decoding; pure.
public enum EventValidator {
    /// Longest accepted identifier (event, document, world, concept ids).
    public static let maxIdentifierLength = 200

    /// Every broken rule in `event`, empty when it is valid.
    public static func problems(in event: AnnalsEvent) -> [ValidationProblem] {
        var problems = metaProblems(event.meta, present: hasMeta(event))
        switch event {
        case .documentIngested(let e):
            problems += identifier(e.documentID, "document_id")
            if e.version == 0 { problems.append(.init(field: "version", problem: "must be 1 or more")) }
            if !e.worldID.isEmpty { problems += identifier(e.worldID, "world_id") }
            for (i, concept) in e.concepts.enumerated() {
                problems += identifier(concept.conceptID, "concepts[\(i)].concept_id")
            }
            for (i, relationship) in e.relationships.enumerated() {
                problems += relationshipProblems(relationship, "relationships[\(i)]")
            }
        case .storyEvent(let e):
            problems += identifier(e.worldID, "world_id")
            if e.sequence == 0 {
                problems.append(.init(field: "sequence", problem: "must be 1 or more"))
            } else if e.sequence > UInt64(Int64.max) {
                // Sequences are bigint in the tables and Int64 in the folds: a larger one could never be stored.
                problems.append(.init(field: "sequence", problem: "must be at most \(Int64.max)"))
            }
            if e.kind.isEmpty { problems.append(.init(field: "kind", problem: "is empty")) }
            for (i, update) in e.conceptUpdates.enumerated() {
                problems += identifier(update.conceptID, "concept_updates[\(i)].concept_id")
            }
            for (i, update) in e.relationshipUpdates.enumerated() {
                problems += relationshipProblems(update.relationship, "relationship_updates[\(i)].relationship")
                if update.change != .upsert && update.change != .remove {
                    problems.append(.init(field: "relationship_updates[\(i)].change", problem: "must be CHANGE_UPSERT or CHANGE_REMOVE"))
                }
            }
        case .metricSample(let e):
            problems += tierProblems(e.tier)
            if !e.hasSampledAt {
                problems.append(.init(field: "sampled_at", problem: "is missing"))
            } else if !isValidTimestamp(e.sampledAt) {
                problems.append(.init(field: "sampled_at", problem: "is not a valid timestamp"))
            }
            if e.instanceID.isEmpty { problems.append(.init(field: "instance_id", problem: "is empty")) }
            for (name, value) in [("gpu_utilization", e.gpuUtilization), ("gpu_memory_utilization", e.gpuMemoryUtilization)]
            where !(0...1).contains(value) {
                problems.append(.init(field: name, problem: "must be between 0 and 1, got \(value)"))
            }
            if !e.latencyP95Seconds.isFinite || e.latencyP95Seconds < 0 {
                problems.append(.init(field: "latency_p95_seconds", problem: "must be a finite number ≥ 0"))
            }
        case .scaleDecision(let e):
            problems += identifier(e.decisionID, "decision_id")
            problems += tierProblems(e.tier)
            // Summed in 64 bits: two UInt32 capacities can overflow UInt32.
            if UInt64(e.desiredSpot) + UInt64(e.desiredOnDemand) != UInt64(e.desiredCapacity) {
                problems.append(.init(field: "desired_capacity", problem: "must equal desired_spot + desired_on_demand"))
            }
            if e.hasDecidedAt, !isStorableInstant(e.decidedAt) {
                problems.append(.init(field: "decided_at", problem: "is not a valid timestamp"))
            }
            if e.hasInputs, e.inputs.hasWindowEnd, !isStorableInstant(e.inputs.windowEnd) {
                problems.append(.init(field: "inputs.window_end", problem: "is not a valid timestamp"))
            }
        }
        return problems
    }

    private static func hasMeta(_ event: AnnalsEvent) -> Bool {
        switch event {
        case .documentIngested(let e): e.hasMeta
        case .storyEvent(let e): e.hasMeta
        case .metricSample(let e): e.hasMeta
        case .scaleDecision(let e): e.hasMeta
        }
    }

    private static func metaProblems(_ meta: EventMeta, present: Bool) -> [ValidationProblem] {
        guard present else { return [.init(field: "meta", problem: "is missing")] }
        var problems = identifier(meta.eventID, "meta.event_id")
        if !meta.hasOccurredAt {
            problems.append(.init(field: "meta.occurred_at", problem: "is missing"))
        } else if !isValidTimestamp(meta.occurredAt) {
            problems.append(.init(field: "meta.occurred_at", problem: "is not a valid timestamp"))
        }
        return problems
    }

    /// Within proto3's Timestamp range (years 1 to 9999) with nanos in 0..<1e9.
    private static func isValidTimestamp(_ t: SwiftProtobuf.Google_Protobuf_Timestamp) -> Bool {
        EventTimeBound.isValid(t)
    }

    /// Earliest second PostgreSQL's timestamptz holds (4714-11-24 BC, Julian day 0).
    private static let earliestStorableSecond: Int64 = -210_866_803_200

    /// Times computed from events (a minute's end, a decision time) may pass proto3's year 9999, so these are
    /// checked only as far as the folds and tables need: whole microseconds fit Int64, and PostgreSQL holds them.
    private static func isStorableInstant(_ t: SwiftProtobuf.Google_Protobuf_Timestamp) -> Bool {
        guard (0..<1_000_000_000).contains(t.nanos), t.seconds >= earliestStorableSecond else { return false }
        let (micros, overflow) = t.seconds.multipliedReportingOverflow(by: 1_000_000)
        return !overflow && !micros.addingReportingOverflow(Int64(t.nanos / 1_000)).overflow
    }

    private static func relationshipProblems(_ relationship: DeclaredRelationship, _ field: String) -> [ValidationProblem] {
        var problems = identifier(relationship.fromConceptID, "\(field).from_concept_id")
        problems += identifier(relationship.toConceptID, "\(field).to_concept_id")
        problems += identifier(relationship.kind, "\(field).kind")
        if !relationship.weight.isFinite {
            problems.append(.init(field: "\(field).weight", problem: "must be a finite number"))
        }
        return problems
    }

    private static func identifier(_ value: String, _ field: String) -> [ValidationProblem] {
        if value.isEmpty { return [.init(field: field, problem: "is empty")] }
        if value.utf8.count > maxIdentifierLength {
            return [.init(field: field, problem: "is longer than \(maxIdentifierLength) bytes")]
        }
        // C0 and C1 control characters (the Unicode "Cc" category), checked on UTF-8 bytes: this runs per event.
        if value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
            || value.unicodeScalars.contains(where: { (0x80...0x9F).contains($0.value) }) {
            return [.init(field: field, problem: "contains control characters")]
        }
        return []
    }

    private static func tierProblems(_ tier: Annals_V1_Tier) -> [ValidationProblem] {
        switch tier {
        case .gold, .silver, .bronze: []
        case .unspecified, .UNRECOGNIZED: [.init(field: "tier", problem: "must be gold, silver or bronze")]
        }
    }
}

import AnnalsEvents
import SwiftProtobuf
import Testing

/// Events whose numbers sit at their type's limits are rejected with a reason, never trapped on (issue 13).
@Suite struct ArithmeticBoundaryValidationTests {
    static let validTime = Google_Protobuf_Timestamp(seconds: 1_700_000_000)

    static func decision(spot: UInt32, onDemand: UInt32, capacity: UInt32) -> ScaleDecision {
        ScaleDecision.with {
            $0.meta.eventID = "d-1"
            $0.meta.occurredAt = validTime
            $0.decisionID = "d-1"
            $0.tier = .gold
            $0.desiredSpot = spot
            $0.desiredOnDemand = onDemand
            $0.desiredCapacity = capacity
        }
    }

    static func sample() -> MetricSample {
        MetricSample.with {
            $0.meta.eventID = "s-1"
            $0.meta.occurredAt = validTime
            $0.tier = .gold
            $0.instanceID = "i-1"
            $0.sampledAt = validTime
        }
    }

    static func problems(_ event: AnnalsEvent) -> [String] {
        EventValidator.problems(in: event).map(\.description)
    }

    /// The old check summed two UInt32s and trapped on the committer thread.
    @Test func capacitiesWhoseSumOverflowsUInt32AreRejectedNotTrapped() {
        let event = AnnalsEvent.scaleDecision(Self.decision(spot: .max, onDemand: 1, capacity: 0))
        #expect(Self.problems(event) == ["desired_capacity must equal desired_spot + desired_on_demand"])
        let both = AnnalsEvent.scaleDecision(Self.decision(spot: .max, onDemand: .max, capacity: .max))
        #expect(Self.problems(both) == ["desired_capacity must equal desired_spot + desired_on_demand"])
    }

    @Test func capacitiesAtTheLimitThatAddUpAreAccepted() {
        #expect(Self.problems(.scaleDecision(Self.decision(spot: .max - 1, onDemand: 1, capacity: .max))).isEmpty)
        #expect(Self.problems(.scaleDecision(Self.decision(spot: 0, onDemand: 0, capacity: 0))).isEmpty)
    }

    /// `story.events.sequence` is a bigint: a larger sequence can never be stored, so it is dead-lettered with a reason.
    @Test(arguments: [UInt64(Int64.max) + 1, .max])
    func storySequencesAboveTheLargestBigintAreRejected(sequence: UInt64) {
        var event = TopicDecodingTests.validStoryEvent()
        event.sequence = sequence
        #expect(Self.problems(.storyEvent(event)) == ["sequence must be at most 9223372036854775807"])
    }

    @Test func theLargestBigintSequenceIsAccepted() {
        var event = TopicDecodingTests.validStoryEvent()
        event.sequence = UInt64(Int64.max)
        #expect(Self.problems(.storyEvent(event)).isEmpty)
    }

    /// Outside proto3's range the microsecond arithmetic of rollups and decisions would wrap or trap.
    @Test(arguments: [Int64.min, -62_135_596_801, 253_402_300_800, Int64.max])
    func sampleTimesOutsideTheTimestampRangeAreRejected(seconds: Int64) {
        var sample = Self.sample()
        sample.sampledAt = Google_Protobuf_Timestamp(seconds: seconds)
        #expect(Self.problems(.metricSample(sample)) == ["sampled_at is not a valid timestamp"])
    }

    @Test func sampleNanosOutsideTheirRangeAreRejected() {
        var sample = Self.sample()
        sample.sampledAt = Google_Protobuf_Timestamp(seconds: 1_700_000_000, nanos: -1)
        #expect(Self.problems(.metricSample(sample)) == ["sampled_at is not a valid timestamp"])
    }

    @Test func decisionTimesOutsideTheTimestampRangeAreRejected() {
        var decision = Self.decision(spot: 1, onDemand: 1, capacity: 2)
        decision.decidedAt = Google_Protobuf_Timestamp(seconds: Int64.min)
        decision.inputs.windowEnd = Google_Protobuf_Timestamp(seconds: Int64.max)
        #expect(Self.problems(.scaleDecision(decision)) == [
            "decided_at is not a valid timestamp", "inputs.window_end is not a valid timestamp",
        ])
    }

    @Test func bytesOfAnOverflowingDecisionDecodeToAnInvalidEvent() throws {
        let bytes: [UInt8] = try Self.decision(spot: .max, onDemand: .max, capacity: 7).serializedBytes()
        #expect(throws: EventDecodingError.invalid(topic: .scaleDecision, problems: [
            ValidationProblem(field: "desired_capacity", problem: "must equal desired_spot + desired_on_demand"),
        ])) {
            try AnnalsTopic.scaleDecision.decode(binary: bytes)
        }
    }
}

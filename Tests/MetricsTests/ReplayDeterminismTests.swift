import AnnalsEvents
import Foundation
import AnnalsMetrics
import Testing

@Suite struct ReplayDeterminismTests {
    @Test func replayingMetricSamplesReproducesTheDecisionIDs() throws {
        let trace = LoadTrace.ramp100To10000
        let fromFile = try TierAutoscalerTests.decisions(TraceFiles.samples(trace))
        let replayed = try TierAutoscalerTests.decisions(TraceFiles.samples(trace))
        let generated = try TierAutoscalerTests.decisions(trace.samples())
        #expect(fromFile.count > 20)
        #expect(fromFile.map(\.decisionID) == replayed.map(\.decisionID))
        #expect(fromFile == generated)
        #expect(Set(fromFile.map(\.decisionID)).count == fromFile.count)
    }

    /// Published ids must not change by accident: a changed id makes a replay re-apply old decisions. Change this
    /// value only together with `ScalePolicy.algorithm` or the decision-id format, on purpose.
    @Test func decisionIDFormatIsPinned() throws {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        let result = policy.decide(SampleFactory.rollup(minute: 0, queue: 412, gpu: 0.5))
        let decision = try #require(result)
        #expect(decision.policyVersion == "annals-hpa-1+\(ScalePolicySettings().digest)")
        #expect(decision.decisionID.hasPrefix("gold-202603011801-"))
        #expect(decision.decisionID.count == "gold-202603011801-".count + 24)
        #expect(decision.decisionID == "gold-202603011801-1335c0ca8649e4d97494eaf5")
    }

    @Test func publishedEventCarriesTheDecision() throws {
        var policy = ScalePolicy(tier: .silver, capacity: 4)
        let result = policy.decide(SampleFactory.rollup(.silver, minute: 3, queue: 90, gpu: 0.8, latency: 0.5))
        let decision = try #require(result)
        let event = decision.event()
        #expect(event.meta.eventID == decision.decisionID && event.decisionID == decision.decisionID)
        #expect(event.meta.occurredAt == decision.decidedAt && event.decidedAt == decision.decidedAt)
        #expect(event.meta.producer == "annals-metrics-worker")
        #expect(event.tier == .silver && event.currentCapacity == 4 && event.desiredCapacity == 8)
        #expect(event.desiredSpot == 6 && event.desiredOnDemand == 2)
        #expect(event.inputs.queueDepth == 90 && event.inputs.samples == 1)
        #expect(event.policyVersion == decision.policyVersion && event.reason == decision.reason)
        let decoded = try AnnalsTopic.scaleDecision.decode(binary: try event.serializedBytes())
        #expect(decoded == .scaleDecision(event))
    }
}

import AnnalsEvents
import Foundation
import AnnalsMetrics
import Testing

@Suite struct TierAutoscalerTests {
    typealias S = SampleFactory

    @Test func minuteClosesOnTheFirstSampleOfALaterMinute() throws {
        var autoscaler = TierAutoscaler(tier: .gold, capacity: 10)
        for (i, second) in [5, 20, 40, 59].enumerated() {
            let observation = autoscaler.observe(S.sample(instance: "i-\(i)", at: Int64(second), queue: 100))
            #expect(observation.decisions.isEmpty && observation.closedMinutes.isEmpty)
        }
        let closing = autoscaler.observe(S.sample(instance: "i-0", at: 61, queue: 0))
        #expect(closing.closedMinutes.map(\.minute) == [S.minute(0)])
        let decision = try #require(closing.decisions.first)
        #expect(decision.desiredCapacity == 20)  // queue 400 → 40, limited to +10
        #expect(decision.decidedAt.seconds == S.origin + 61)
        #expect(decision.decidedMinute == S.minute(1))
    }

    @Test func lateSampleIsLeftToTheStoredRollup() {
        var autoscaler = TierAutoscaler(tier: .gold, capacity: 10)
        var rollups = MinuteRollups()
        let samples = [
            S.sample(instance: "a", at: 30, queue: 100), S.sample(instance: "a", at: 65, queue: 100),
            S.sample(instance: "b", at: 50, queue: 900),  // minute 0 already closed
        ]
        var observations: [AutoscalerObservation] = []
        for sample in samples {
            rollups.add(sample)
            observations.append(autoscaler.observe(sample))
        }
        #expect(observations.map(\.isLate) == [false, false, true])
        #expect(observations[2].decisions.isEmpty)
        #expect(rollups[.gold, S.minute(0)]?.queueDepth == 1_000)
        #expect(autoscaler.capacity == 10)
    }

    @Test func allowedLatenessWaitsForStragglers() throws {
        var settings = ScalePolicySettings()
        settings.allowedLatenessSeconds = 10
        var autoscaler = TierAutoscaler(tier: .gold, settings: settings, capacity: 10)
        _ = autoscaler.observe(S.sample(instance: "a", at: 30, queue: 100))
        let early = autoscaler.observe(S.sample(instance: "a", at: 65, queue: 100))
        #expect(early.closedMinutes.isEmpty)
        let straggler = autoscaler.observe(S.sample(instance: "b", at: 58, queue: 300))
        #expect(!straggler.isLate)
        let closing = autoscaler.observe(S.sample(instance: "a", at: 70, queue: 100))
        #expect(closing.closedMinutes.first?.queueDepth == 400)
        #expect(closing.decisions.first?.desiredCapacity == 20)
    }

    @Test func spotNoticeIsAnsweredBeforeItsMinuteCloses() throws {
        var autoscaler = TierAutoscaler(tier: .gold, capacity: 5)
        _ = autoscaler.observe(S.sample(instance: "a", at: 10, queue: 50))
        let observation = autoscaler.observe(S.sample(instance: "b", at: 20, queue: 50, spot: true))
        #expect(observation.closedMinutes.isEmpty)
        #expect(observation.decisions.map(\.kind) == [.spotReplacement])
        #expect(observation.decisions.first?.decidedAt.seconds == S.origin + 20)
    }

    @Test func samplesOfAnotherTierAreIgnored() {
        var autoscaler = TierAutoscaler(tier: .gold, capacity: 5)
        let before = autoscaler
        let observation = autoscaler.observe(S.sample(.silver, at: 10, queue: 900, spot: true))
        #expect(observation.isIgnored && observation.decisions.isEmpty)
        #expect(autoscaler == before)
    }

    @Test func finishClosesTheOpenMinutes() {
        var autoscaler = TierAutoscaler(tier: .bronze, capacity: 1)
        _ = autoscaler.observe(S.sample(.bronze, at: 10, queue: 30))
        let observation = autoscaler.finish()
        #expect(observation.closedMinutes.map(\.minute) == [S.minute(0)])
        #expect(observation.decisions.first?.desiredCapacity == 3)
        #expect(observation.decisions.first?.decidedAt == S.minute(1).start)
        #expect(autoscaler.state.openMinutes.isEmpty)
    }

    /// Runs `samples` through an autoscaler, storing its state as JSON and restoring it before each index in `splits`.
    static func decisions(_ samples: [MetricSample], splittingAt splits: Set<Int> = []) throws -> [PolicyDecision] {
        let settings = ScalePolicySettings()
        var autoscaler = Autoscaler(settings: settings)
        var decisions: [PolicyDecision] = []
        for (index, sample) in samples.enumerated() {
            if splits.contains(index) {
                let stored = try JSONEncoder().encode(autoscaler.state)
                autoscaler = Autoscaler(settings: settings, restoring: try JSONDecoder().decode(Autoscaler.State.self, from: stored))
            }
            decisions += autoscaler.observe(sample).decisions
        }
        return decisions + autoscaler.finish().decisions
    }

    @Test(arguments: [LoadTrace.spike, LoadTrace.players(1_000)])
    func streamSplitAnywhereAndResumedFromStoredStateDecidesTheSame(trace: LoadTrace) throws {
        let samples = trace.samples()
        let whole = try Self.decisions(samples)
        #expect(whole.count > 5)
        // Every 53rd sample, plus the edges, each as its own single split, and all of them at once.
        let points = Array(stride(from: 0, through: samples.count, by: 53)) + [1, samples.count - 1]
        for point in points {
            #expect(try Self.decisions(samples, splittingAt: [point]) == whole, "split at sample \(point)")
        }
        #expect(try Self.decisions(samples, splittingAt: Set(points)) == whole)
    }

    @Test func restoredStateWithAMissingTierStartsThatTierAfresh() throws {
        var autoscaler = Autoscaler(capacities: [.gold: 7])
        _ = autoscaler.observe(S.sample(.gold, at: 10, queue: 70))
        var state = autoscaler.state
        state.tiers["silver"] = nil
        let restored = Autoscaler(restoring: state)
        #expect(restored.capacities == [.gold: 7, .silver: 1, .bronze: 1])
    }
}

import AnnalsEvents
import AnnalsMetrics
import Testing

@Suite struct ScalePolicyTests {
    typealias S = SampleFactory

    /// Feeds minutes `0..<queues.count` (queue depth per minute; nil = no samples) and returns decisions by minute.
    static func run(
        _ policy: inout ScalePolicy, queues: [UInt64?], gpu: Double = 0, latency: Double = 0.2, from start: Int64 = 0
    ) -> [Int64: PolicyDecision] {
        var decisions: [Int64: PolicyDecision] = [:]
        for (offset, queue) in queues.enumerated() {
            guard let queue else { continue }
            let minute = start + Int64(offset)
            if let decision = policy.decide(S.rollup(policy.tier, minute: minute, queue: queue, gpu: gpu, latency: latency)) {
                decisions[minute] = decision
            }
        }
        return decisions
    }

    @Test func queueDepthScalesOutLimitedPerMinute() throws {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        let decisionResult = policy.decide(S.rollup(minute: 0, queue: 412, gpu: 0.5))
        let decision = try #require(decisionResult)
        #expect(decision.kind == .scaleOut)
        #expect(decision.currentCapacity == 20 && decision.desiredCapacity == 40)
        #expect(decision.reason.hasPrefix(
            "scale out 20 → 40: queue depth 412 over 20 instances = 20.6/instance > target 10 → 42, limited to +20 → 40 ("))
        #expect(decision.reason.contains("GPU utilisation 0.5 mean on 1 reporting = 0.03 over 20 instances < target 0.7 → 1"))
        #expect(decision.split == CapacitySplit(spot: 32, onDemand: 8))
        #expect(decision.inputs.queueDepth == 412)
        #expect(decision.inputs.windowEnd == S.minute(1).start)
        #expect(decision.decidedAt == S.minute(1).start)
        #expect(policy.capacity == 40)
    }

    struct Largest: Sendable, CustomTestStringConvertible {
        var queue: UInt64
        var gpu: Double
        var latency: Double
        var expected: Int
        var winner: MetricProposal.Metric
        var testDescription: String { "queue \(queue), GPU \(gpu), P95 \(latency) s → \(expected) by \(winner.rawValue)" }
    }

    @Test(arguments: [
        Largest(queue: 150, gpu: 0.7, latency: 0.3, expected: 15, winner: .queueDepth),
        Largest(queue: 100, gpu: 0.98, latency: 0.3, expected: 14, winner: .gpuUtilization),
        Largest(queue: 100, gpu: 0.7, latency: 1.2, expected: 12, winner: .latency),
        Largest(queue: 130, gpu: 0.98, latency: 1.2, expected: 14, winner: .gpuUtilization),
        Largest(queue: 250, gpu: 0.98, latency: 1.2, expected: 20, winner: .queueDepth),  // 25, limited to +10
        Largest(queue: 108, gpu: 0.75, latency: 1.0, expected: 10, winner: .queueDepth),  // all within tolerance
    ])
    func largestProposalWins(_ c: Largest) {
        var policy = ScalePolicy(tier: .gold, capacity: 10)
        // Ten instances reporting, so the GPU mean covers the whole capacity.
        let rollup = S.rollup(minute: 0, queue: c.queue, gpu: c.gpu, latency: c.latency, instances: 10)
        #expect(policy.evaluate(rollup).winner.metric == c.winner)
        let decision = policy.decide(rollup)
        #expect((decision?.desiredCapacity ?? 10) == c.expected)
        #expect(policy.capacity == c.expected)
    }

    @Test(arguments: [
        (Tier.gold, 40, UInt64(5_000), 50), (.silver, 20, 5_000, 30), (.bronze, 6, 5_000, 8), (.bronze, 2, 5_000, 6),
    ])
    func scaleOutStopsAtTheTierMaximum(tier: Tier, capacity: Int, queue: UInt64, expected: Int) throws {
        var policy = ScalePolicy(tier: tier, capacity: capacity)
        let decisionResult = policy.decide(S.rollup(tier, minute: 0, queue: queue))
        let decision = try #require(decisionResult)
        #expect(decision.desiredCapacity == expected)
        if expected == ScalePolicySettings()[tier].maxInstances {
            #expect(decision.reason.contains("clamped to the maximum \(expected)"))
        }
    }

    @Test func scaleInStopsAtTheTierMinimum() {
        var policy = ScalePolicy(tier: .silver, capacity: 6)
        let decisions = Self.run(&policy, queues: Array(repeating: 0, count: 20))
        #expect(decisions.count == 1)
        #expect(decisions[14]?.desiredCapacity == 1)
        #expect(policy.capacity == 1)
    }

    @Test func capacityOutsideChangedLimitsIsClampedAtOnce() throws {
        var settings = ScalePolicySettings()
        settings.gold.maxInstances = 12
        settings.gold.minInstances = 3
        var high = ScalePolicy(tier: .gold, settings: settings, restoring: ScalePolicyState(capacity: 20))
        let downResult = high.decide(S.rollup(minute: 0, queue: 200))
        let down = try #require(downResult)
        #expect(down.kind == .scaleIn && down.desiredCapacity == 12)
        #expect(down.reason == "scale in 20 → 12: above the maximum 12")
        var low = ScalePolicy(tier: .gold, settings: settings, restoring: ScalePolicyState(capacity: 1))
        let upResult = low.decide(S.rollup(minute: 0, queue: 10))
        let up = try #require(upResult)
        #expect(up.kind == .scaleOut && up.desiredCapacity == 3)
        #expect(up.reason == "scale out 1 → 3: below the minimum 3")
    }

    @Test func scaleInWaitsForFifteenLowerMinutesThenTakesTheHighest() {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        // Recommendations 8, 12, 9, 10, …: all below 20, the highest 12.
        let queues: [UInt64?] = [80, 120, 90] + Array(repeating: 100, count: 12) + [100]
        let decisions = Self.run(&policy, queues: queues)
        #expect(decisions.keys.sorted() == [14])
        #expect(decisions[14]?.desiredCapacity == 12)
        #expect(decisions[14]?.kind == .scaleIn)
        #expect(decisions[14]?.reason.hasPrefix(
            "scale in 20 → 12: every recommendation of the last 15 minutes was below 20, the highest 12") == true)
    }

    @Test func oneMinuteAtCapacityRestartsTheScaleInWindow() {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        var queues: [UInt64?] = Array(repeating: 100, count: 40)
        queues[7] = 200
        let decisions = Self.run(&policy, queues: queues)
        #expect(decisions.keys.sorted() == [22])
        #expect(decisions[22]?.desiredCapacity == 10)
    }

    @Test func flappingInputGivesSteadyOutput() {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        // Demand swings between 30 and 10 instances every minute for two hours.
        let queues: [UInt64?] = (0..<120).map { $0 % 2 == 0 ? 300 : 100 }
        let decisions = Self.run(&policy, queues: queues)
        #expect(decisions.count == 1)
        #expect(decisions[0]?.desiredCapacity == 30)
        #expect(policy.capacity == 30)
    }

    @Test func noiseWithinToleranceNeverMovesCapacity() {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        let queues: [UInt64?] = (0..<60).map { UInt64(180 + ($0 * 37) % 41) }  // 180…220: ±10% of 200
        #expect(Self.run(&policy, queues: queues).isEmpty)
    }

    @Test func shortSamplingGapsCarryTheLastRecommendation() {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        // Samples every other minute: the minutes between repeat the last recommendation.
        let queues: [UInt64?] = (0..<20).map { $0 % 2 == 0 ? 100 : nil }
        let decisions = Self.run(&policy, queues: queues)
        #expect(decisions.keys.sorted() == [14])
        #expect(decisions[14]?.desiredCapacity == 10)
    }

    @Test func missingDataNeverScalesIn() {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        // Low demand, then ten minutes without samples, then low demand again.
        let queues: [UInt64?] = Array(repeating: 100, count: 10) + Array(repeating: nil, count: 10)
            + Array(repeating: 100, count: 20)
        let decisions = Self.run(&policy, queues: queues)
        // Minutes 10 and 11 carry (samples under 3 minutes old); 12…19 are missing and block scale-in until the
        // window 20…34 is whole again.
        #expect(decisions.keys.sorted() == [34])
        #expect(policy.state.recommendations.allSatisfy { !$0.missing })
    }

    @Test func missingDataStillLetsScaleOutThrough() throws {
        var policy = ScalePolicy(tier: .gold, capacity: 10)
        _ = policy.decide(S.rollup(minute: 0, queue: 100))
        let decisionResult = policy.decide(S.rollup(minute: 30, queue: 300))
        let decision = try #require(decisionResult)
        #expect(decision.desiredCapacity == 20)
    }

    @Test func minutesAtOrBeforeTheLastDecidedAreIgnored() {
        var policy = ScalePolicy(tier: .gold, capacity: 10)
        _ = policy.decide(S.rollup(minute: 5, queue: 100))
        let state = policy.state
        let again = policy.decide(S.rollup(minute: 5, queue: 900))
        let earlier = policy.decide(S.rollup(minute: 2, queue: 900))
        let otherTier = policy.decide(S.rollup(.silver, minute: 6, queue: 900))
        #expect(again == nil && earlier == nil && otherTier == nil)
        #expect(policy.state == state)
    }

    @Test func spotNoticeAsksForReplacementOncePerInstance() throws {
        var policy = ScalePolicy(tier: .gold, capacity: 10)
        let notice = S.sample(instance: "gold-07", at: 125, queue: 10, gpu: 0.6, spot: true)
        let decisionResult = policy.spotInterruption(notice)
        let decision = try #require(decisionResult)
        #expect(decision.kind == .spotReplacement)
        #expect(decision.currentCapacity == 10 && decision.desiredCapacity == 10)
        #expect(decision.replacementSpot == 1)
        #expect(decision.interruptedInstances == ["gold-07"])
        #expect(decision.split == CapacitySplit(spot: 8, onDemand: 2))
        #expect(decision.reason == "spot interruption notice for gold-07 at 2026-03-01T18:02Z: replace 1 spot instance now; "
            + "capacity stays 10 (8 spot + 2 on-demand)")
        #expect(decision.inputs.spotInterruptionNotice && decision.inputs.windowEnd == notice.sampledAt)
        #expect(decision.decidedAt == notice.sampledAt)
        let event = decision.event()
        #expect(event.desiredCapacity == event.currentCapacity && event.inputs.spotInterruptionNotice)
        #expect(EventValidator.problems(in: .scaleDecision(event)).isEmpty)

        // The instance keeps reporting its notice for two minutes: one replacement only.
        let repeated = policy.spotInterruption(S.sample(instance: "gold-07", at: 185, spot: true))
        #expect(repeated == nil)
        let noNotice = policy.spotInterruption(S.sample(instance: "gold-03", at: 185, spot: false))
        #expect(noNotice == nil)
        let otherResult = policy.spotInterruption(S.sample(instance: "gold-03", at: 190, spot: true))
        let other = try #require(otherResult)
        #expect(other.interruptedInstances == ["gold-03"] && other.decisionID != decision.decisionID)
        // Remembered for 10 minutes: a notice after that is a new interruption.
        let later = policy.spotInterruption(S.sample(instance: "gold-07", at: 125 + 11 * 60, spot: true))
        #expect(later != nil)
        #expect(policy.capacity == 10)
    }

    struct Split: Sendable {
        var capacity: Int
        var share: Double
        var minOnDemand: Int
        var spot: Int
        var onDemand: Int
    }

    @Test(arguments: [
        Split(capacity: 1, share: 0.8, minOnDemand: 1, spot: 0, onDemand: 1),
        Split(capacity: 2, share: 0.8, minOnDemand: 1, spot: 1, onDemand: 1),
        Split(capacity: 5, share: 0.8, minOnDemand: 1, spot: 4, onDemand: 1),
        Split(capacity: 10, share: 0.8, minOnDemand: 1, spot: 8, onDemand: 2),
        Split(capacity: 15, share: 0.8, minOnDemand: 1, spot: 12, onDemand: 3),
        Split(capacity: 42, share: 0.8, minOnDemand: 1, spot: 33, onDemand: 9),
        Split(capacity: 50, share: 0.8, minOnDemand: 1, spot: 40, onDemand: 10),
        Split(capacity: 4, share: 1.0, minOnDemand: 1, spot: 3, onDemand: 1),
        Split(capacity: 5, share: 0.8, minOnDemand: 3, spot: 2, onDemand: 3),
        Split(capacity: 2, share: 0.8, minOnDemand: 5, spot: 0, onDemand: 2),
        Split(capacity: 0, share: 0.8, minOnDemand: 1, spot: 0, onDemand: 0),
    ])
    func capacitySplitsEightyTwentyWithAtLeastOneOnDemand(_ c: Split) {
        let split = CapacitySplit(capacity: c.capacity, spotShare: c.share, minOnDemand: c.minOnDemand)
        #expect(split == CapacitySplit(spot: c.spot, onDemand: c.onDemand))
    }

    @Test func decisionsAreIdenticalForIdenticalMinutes() {
        func decisions() -> [PolicyDecision] {
            var policy = ScalePolicy(tier: .silver, capacity: 3)
            let queues: [UInt64?] = (0..<60).map { UInt64(($0 * 7919) % 400) }
            return Self.run(&policy, queues: queues).sorted { $0.key < $1.key }.map(\.value)
        }
        let first = decisions()
        #expect(first.count > 3)
        #expect(first == decisions())
        #expect(Set(first.map(\.decisionID)).count == first.count)
    }

    @Test func decisionIDDependsOnThePolicySettings() throws {
        var a = ScalePolicy(tier: .gold, capacity: 10)
        var settings = ScalePolicySettings()
        settings.tolerance = 0.05
        var b = ScalePolicy(tier: .gold, settings: settings, capacity: 10)
        let rollup = S.rollup(minute: 0, queue: 300)
        let daResult = a.decide(rollup)
        let da = try #require(daResult)
        let dbResult = b.decide(rollup)
        let db = try #require(dbResult)
        #expect(da.desiredCapacity == db.desiredCapacity)
        #expect(da.policyVersion != db.policyVersion)
        #expect(da.decisionID != db.decisionID)
        #expect(da.policyVersion.hasPrefix("annals-hpa-1+"))
    }
}

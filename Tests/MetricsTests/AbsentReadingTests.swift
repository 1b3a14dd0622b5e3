import AnnalsEvents
import AnnalsMetrics
import Testing

/// A reading a sample does not carry (its source did not answer) is absent, never zero: the rollups aggregate
/// over the readings present, and the policy neither scales in on a load it cannot see nor lets a missing GPU
/// reading drag the tier's mean down.
@Suite struct AbsentReadingTests {
    typealias S = SampleFactory

    /// `sample` without the readings named.
    static func without(_ sample: MetricSample, gpu: Bool = false, queue: Bool = false, latency: Bool = false,
                        players: Bool = false) -> MetricSample {
        var sample = sample
        if gpu {
            sample.clearGpuUtilization()
            sample.clearGpuMemoryUtilization()
        }
        if queue { sample.clearQueueDepth() }
        if latency { sample.clearLatencyP95Seconds() }
        if players { sample.clearActivePlayers() }
        return sample
    }

    @Test func rollupsAggregateOverTheReadingsPresent() {
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        rollup.add(S.sample(instance: "a", at: 10, queue: 30, gpu: 0.8, latency: 1.5, players: 10))
        rollup.add(Self.without(S.sample(instance: "b", at: 20, queue: 10, gpu: 0.0, latency: 9, players: 5),
                                gpu: true, latency: true))
        #expect(rollup.instancesReporting == 2)
        #expect(rollup.meanGPUUtilization == 0.8, "b's GPU is absent, not 0: the mean is a's alone")
        #expect(rollup.maxGPUMemoryUtilization == 0.4)
        #expect(rollup.busyInstances == 1.6, "b is counted at the mean of those reporting")
        #expect(rollup.queueDepth == 40)
        #expect(rollup.latencyP95Seconds == 1.5)
        #expect(rollup.activePlayers == 15)

        var blind = MinuteRollup(tier: .gold, minute: S.minute(0))
        blind.add(Self.without(S.sample(instance: "a", at: 10), gpu: true, queue: true, latency: true, players: true))
        #expect(blind.instancesReporting == 1)
        #expect(blind.meanGPUUtilization == nil && blind.maxGPUUtilization == nil && blind.busyInstances == nil)
        #expect(blind.queueDepth == nil && blind.latencyP95Seconds == nil && blind.activePlayers == nil)
        #expect(blind.decisionInputs.queueDepth == 0, "DecisionInputs has no absent: it shows 0")
    }

    @Test func aTierWhoseLoadIsUnknownIsNotScaledIn() {
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        for minute in Int64(0)..<40 {
            var rollup = MinuteRollup(tier: .gold, minute: S.minute(minute))
            for instance in 0..<20 {
                rollup.add(Self.without(S.sample(instance: "i-\(instance)", at: minute * 60 + 30), gpu: true, queue: true))
            }
            let evaluation = policy.evaluate(rollup)
            #expect(evaluation.recommendation == 20, "minute \(minute): \(evaluation.winner)")
            #expect(evaluation.proposals.map(\.description).contains("queue depth: no reading"))
            #expect(policy.decide(rollup) == nil, "minute \(minute)")
        }
    }

    @Test func aMissingGPUReadingDoesNotPullTheMeanDown() throws {
        // 10 instances at 90% GPU, 10 whose dcgm-exporter does not answer: read as 0 they would halve the mean
        // (45%, below the 70% target: a scale-in); absent, the mean stays 90% and the tier scales out.
        var policy = ScalePolicy(tier: .gold, capacity: 20)
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        for instance in 0..<20 {
            let sample = S.sample(instance: "i-\(instance)", at: 30, queue: 0, gpu: 0.9)
            rollup.add(instance < 10 ? sample : Self.without(sample, gpu: true))
        }
        let decided = policy.decide(rollup)
        let decision = try #require(decided)
        #expect(decision.desiredCapacity > 20, "\(decision.reason)")
    }
}

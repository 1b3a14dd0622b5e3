import AnnalsEvents
import AnnalsMetrics
import Testing

/// Event values and settings at their limits give saturated answers, never a trap (issue 13).
@Suite struct ArithmeticLimitTests {
    /// Int64.min microseconds: seconds × 10⁶ overflowed when the remainder was taken by subtraction.
    @Test(arguments: [Int64.min, .min + 1, .max, -1, 0, 59_999_999])
    func timestampsAtTheEndsOfInt64KeepTheirRemainder(microseconds: Int64) {
        let timestamp = Minute.timestamp(microseconds: microseconds)
        #expect((0..<1_000_000_000).contains(timestamp.nanos))
        let remainder = microseconds % 1_000_000
        #expect(Int64(timestamp.nanos) == (remainder < 0 ? remainder + 1_000_000 : remainder) * 1_000)
    }

    @Test(arguments: [Int64.min, .min + 1, .max, .max - 1])
    func minutesAtTheEndsOfInt64PrintAndSaturate(index: Int64) {
        let minute = Minute(index: index)
        #expect(!minute.description.isEmpty)
        #expect(!minute.compact.isEmpty)
        _ = minute.start
        _ = minute.end
        #expect(minute.advanced(by: index < 0 ? .min : .max).index == (index < 0 ? .min : .max))
        #expect(Minute(index: .max).minutes(since: Minute(index: .min)) == .max)
    }

    @Test func ordinaryMinutesPrintAsBefore() {
        #expect(Minute(index: 29_539_800).description == "2026-03-01T18:00Z")
        #expect(Minute(index: -1).description == "1969-12-31T23:59Z")
        #expect(Minute(containingMicroseconds: -1).start == EventTimestamp(seconds: -60, nanos: 0))
    }

    /// Six minutes of UInt64.max queues: each needs ~1.8e18 instances, and their sum overflowed Int.
    @Test func backtestOfHugeQueuesSaturatesInsteadOfTrapping() {
        let samples = (0..<8).map { SampleFactory.sample(at: Int64($0) * 60, queue: .max) }
        let report = Backtest.run(samples)
        let tier = report.tiers.first { $0.tier == .gold }
        #expect(tier?.minutes.allSatisfy { $0.needed == Int(Int32.max) } == true)
        #expect(tier?.instanceMinutesNeeded == 8 * Int(Int32.max))
        _ = BacktestChart.svg(report)
    }

    /// A queue target near zero makes demand infinite; Int(∞) trapped.
    @Test func backtestWithATinyQueueTargetSaturatesInsteadOfTrapping() {
        var policy = ScalePolicySettings()
        policy.gold.queueDepthPerInstance = .leastNonzeroMagnitude
        let report = Backtest.run([SampleFactory.sample(at: 0, queue: 1)], settings: BacktestSettings(policy: policy))
        #expect(report.tiers.first?.minutes.first?.needed == Int(Int32.max))
    }

    @Test func capacityAtIntMaxSplitsWithoutTrapping() {
        #expect(CapacitySplit(capacity: .max, spotShare: 1, minOnDemand: 0) == CapacitySplit(spot: .max, onDemand: 0))
        #expect(CapacitySplit(capacity: .max, spotShare: 0.5, minOnDemand: 1).total == .max)
        #expect(CapacitySplit(capacity: 15, spotShare: 0.8, minOnDemand: 1) == CapacitySplit(spot: 12, onDemand: 3))
    }

    @Test func hpaFromZeroWithAnInfiniteRatioProposesNoChange() {
        #expect(MetricProposal.hpa(current: 0, value: 1e300, target: 1e-300, tolerance: 0) == 0)
        #expect(MetricProposal.hpa(current: 3, value: 1e300, target: 1e-300, tolerance: 0) == Int(Int32.max))
    }

    @Test func latencyStepAtIntMaxSaturates() {
        let proposal = MetricProposal.latency(p95: 2, current: .max, threshold: 1, step: ScaleStep(fraction: 0, instances: .max))
        #expect(proposal.instances == .max)
    }

    /// Settings at their extremes: Int.max seconds of lateness overflowed in microseconds, Int.max steps on top of
    /// the capacity overflowed, and Int.max capacities overflowed the split. An Int.max capacity is now refused (AWS
    /// counts are 32-bit) and the policy runs on the ceiling.
    @Test func extremeValidSettingsMeetHostileSamplesWithoutTrapping() {
        let settings = ScalePolicySettings(
            gold: .init(minInstances: 1, maxInstances: .max, queueDepthPerInstance: .leastNonzeroMagnitude),
            scaleOutLimit: .init(fraction: .greatestFiniteMagnitude, instances: .max),
            latencyStep: .init(fraction: .greatestFiniteMagnitude, instances: .max),
            spotNoticeMemoryMinutes: .max, allowedLatenessSeconds: .max)
        #expect(settings.problems == ["gold.maxInstances is \(Int.max): use at most 2147483647 (AWS counts are 32-bit)"])
        var autoscaler = TierAutoscaler(tier: .gold, settings: settings)
        for second in stride(from: Int64(0), to: 600, by: 30) {
            _ = autoscaler.observe(SampleFactory.sample(at: second, queue: .max, latency: 5, spot: second == 90))
        }
        let decisions = autoscaler.finish().decisions
        #expect(!decisions.isEmpty)
        #expect(decisions.allSatisfy { $0.desiredCapacity >= 1 })
        #expect(decisions.map(\.desiredCapacity).max() == ScalePolicySettings.instanceCeiling)
        #expect(decisions.allSatisfy { $0.split.total == $0.desiredCapacity })
    }
}

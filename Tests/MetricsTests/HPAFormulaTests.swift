import AnnalsMetrics
import Testing

@Suite struct HPAFormulaTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var current: Int
        var value: Double
        var target: Double
        var tolerance: Double
        var expected: Int
        var testDescription: String { "ceil(\(current) × \(value) / \(target)), tolerance \(tolerance) → \(expected)" }
    }

    @Test(arguments: [
        Case(current: 20, value: 20.6, target: 10, tolerance: 0.1, expected: 42),
        Case(current: 10, value: 11, target: 10, tolerance: 0.1, expected: 10),  // exactly +10%: within tolerance
        Case(current: 10, value: 9, target: 10, tolerance: 0.1, expected: 10),  // exactly −10%: within tolerance
        Case(current: 10, value: 11.01, target: 10, tolerance: 0.1, expected: 12),
        Case(current: 10, value: 8.9, target: 10, tolerance: 0.1, expected: 9),
        Case(current: 10, value: 0, target: 10, tolerance: 0.1, expected: 0),
        Case(current: 20, value: 20, target: 10, tolerance: 0.1, expected: 40),  // no float drift to 41
        Case(current: 4, value: 0.9, target: 0.7, tolerance: 0.1, expected: 6),
        Case(current: 3, value: 0.7, target: 0.7, tolerance: 0, expected: 3),
        Case(current: 1, value: 100, target: 10, tolerance: 0.1, expected: 10),
        Case(current: 7, value: 10.5, target: 10, tolerance: 0, expected: 8),
        Case(current: 5, value: .nan, target: 10, tolerance: 0.1, expected: 5),
        Case(current: 5, value: 30, target: 0, tolerance: 0.1, expected: 5),
        Case(current: 5, value: .infinity, target: 10, tolerance: 0.1, expected: 5),
    ])
    func proposalFollowsKubernetesHPARule(_ c: Case) {
        #expect(MetricProposal.hpa(current: c.current, value: c.value, target: c.target, tolerance: c.tolerance) == c.expected)
    }

    @Test func queueDepthProposalExplainsItsNumbers() {
        let proposal = MetricProposal.queueDepth(total: 412, current: 20, target: 10, tolerance: 0.1)
        #expect(proposal.instances == 42)
        #expect(proposal.description == "queue depth 412 over 20 instances = 20.6/instance > target 10 → 42")
    }

    @Test func gpuProposalCountsInstancesNotReportingAsIdle() {
        let all = MetricProposal.gpuUtilization(mean: 0.92, reporting: 10, current: 10, target: 0.7, tolerance: 0.1)
        #expect(all.instances == 14)
        #expect(all.description == "GPU utilisation 0.92 mean over 10 instances > target 0.7 → 14")
        let some = MetricProposal.gpuUtilization(mean: 0.92, reporting: 5, current: 10, target: 0.7, tolerance: 0.1)
        #expect(some.instances == 7)
        #expect(some.description == "GPU utilisation 0.92 mean on 5 reporting = 0.46 over 10 instances < target 0.7 → 7")
    }

    @Test(arguments: [(0.99, 10, 0), (1.0, 10, 0), (1.01, 10, 12), (3.0, 1, 2), (1.5, 40, 48)])
    func latencyAboveThresholdForcesOneStepAndBelowAsksNothing(p95: Double, current: Int, expected: Int) {
        let proposal = MetricProposal.latency(
            p95: p95, current: current, threshold: 1.0, step: ScaleStep(fraction: 0.2, instances: 1))
        #expect(proposal.instances == expected)
    }

    @Test(arguments: [(0, 4), (1, 4), (3, 4), (4, 4), (5, 5), (10, 10), (25, 25)])
    func scaleOutLimitIsTheLargerOfDoubleAndFour(current: Int, step: Int) {
        #expect(ScaleStep(fraction: 1.0, instances: 4).size(from: current) == step)
    }
}

import Scaling
import Testing

/// What the actuation loop attempts and when: table-driven, no database, no clock but the one passed in.
@Suite struct ActuationPlanTests {
    static func ecs(_ tier: String) -> ActuationTarget? {
        tier == "bronze" ? nil : ActuationTarget(actuator: "ecs", resource: "annals/game-\(tier)")
    }

    static func capacity(_ tier: String, _ id: String, at second: Int64, desired: Int) -> TierCapacity {
        TierCapacity(tier: tier, stamp: DecisionStamp(decidedAt: second * 1_000_000, decisionID: id), desired: desired,
                     desiredSpot: desired, desiredOnDemand: 0, current: 1, reason: "", policyVersion: "p")
    }

    static func applied(_ tier: String, _ id: String, at second: Int64, desired: Int) -> AppliedDecision {
        AppliedDecision(tier: tier, target: ecs(tier)!, stamp: DecisionStamp(decidedAt: second * 1_000_000, decisionID: id),
                        desired: desired)
    }

    @Test func aTierIsPendingUntilItsTargetHasItsNewestDecision() {
        let capacity = [Self.capacity("gold", "g2", at: 20, desired: 7), Self.capacity("silver", "s1", at: 5, desired: 3),
                        Self.capacity("bronze", "b1", at: 5, desired: 2)]
        let pending = ActuationPlan.pending(capacity: capacity, applied: [Self.applied("gold", "g1", at: 10, desired: 5),
                                                                          Self.applied("silver", "s1", at: 5, desired: 3)],
                                            target: Self.ecs)
        #expect(pending.map(\.tier) == ["gold"], "silver is done and bronze has no target")
        #expect(pending.first?.desired == 7)
        #expect(pending.first?.target.description == "ecs:annals/game-gold")
    }

    @Test func anOlderDecisionIsNeverPendingOverANewerAppliedOne() {
        // The capacity table cannot go back, but a stale read or a second worker could show an older decision.
        let pending = ActuationPlan.pending(capacity: [Self.capacity("gold", "g1", at: 10, desired: 5)],
                                            applied: [Self.applied("gold", "g2", at: 20, desired: 7)], target: Self.ecs)
        #expect(pending.isEmpty)
        let tie = ActuationPlan.pending(capacity: [Self.capacity("gold", "a", at: 20, desired: 5)],
                                        applied: [Self.applied("gold", "b", at: 20, desired: 7)], target: Self.ecs)
        #expect(tie.isEmpty, "same instant: the larger decision id is the newer")
    }

    @Test func anotherTargetForTheSameTierStartsFromScratch() {
        let dryRun = { (tier: String) -> ActuationTarget? in ActuationTarget(actuator: "dry-run", resource: tier) }
        let pending = ActuationPlan.pending(capacity: [Self.capacity("gold", "g2", at: 20, desired: 7)],
                                            applied: [Self.applied("gold", "g2", at: 20, desired: 7)], target: dryRun)
        #expect(pending.map(\.target.actuator) == ["dry-run"])
    }

    @Test(arguments: [
        (1, ActuationFailure.Kind.transient, Duration.milliseconds(100)),
        (2, .transient, .milliseconds(200)),
        (3, .transient, .milliseconds(400)),
        (4, .transient, .milliseconds(800)),
        (5, .transient, .seconds(1)),
        (40, .transient, .seconds(1)),
        (1, .rejected, .seconds(1)),
    ])
    func backoffDoublesUpToTheMaximumAndARefusalWaitsTheMaximum(failures: Int, kind: ActuationFailure.Kind, delay: Duration) {
        let schedule = RetrySchedule(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(schedule.delay(afterFailures: failures, kind: kind) == delay)
    }

    @Test func aFailedRequestWaitsItsBackoffAndANewerDecisionDoesNot() {
        var plan = ActuationPlan(schedule: RetrySchedule(initial: .milliseconds(100), maximum: .seconds(1)))
        let t0 = ContinuousClock.now
        let first = ActuationPlan.pending(capacity: [Self.capacity("gold", "g1", at: 10, desired: 5)], applied: [],
                                          target: Self.ecs)[0]
        #expect(plan.isDue(first, now: t0))
        #expect(plan.failed(first, kind: .transient, now: t0) == .milliseconds(100))
        #expect(!plan.isDue(first, now: t0 + .milliseconds(99)))
        #expect(plan.isDue(first, now: t0 + .milliseconds(100)))
        #expect(plan.failed(first, kind: .transient, now: t0 + .milliseconds(100)) == .milliseconds(200))
        #expect(plan.failures(of: first) == 2)
        #expect(plan.nextRetry == t0 + .milliseconds(300))

        let newer = ActuationPlan.pending(capacity: [Self.capacity("gold", "g2", at: 20, desired: 7)], applied: [],
                                          target: Self.ecs)[0]
        #expect(plan.isDue(newer, now: t0 + .milliseconds(101)), "a newer decision does not inherit the backoff")
        #expect(plan.failed(newer, kind: .transient, now: t0 + .milliseconds(101)) == .milliseconds(100))
        plan.succeeded(newer)
        #expect(plan.nextRetry == nil)
    }

    @Test func failuresOfRequestsNoLongerPendingAreForgotten() {
        var plan = ActuationPlan(schedule: RetrySchedule())
        let old = ActuationPlan.pending(capacity: [Self.capacity("gold", "g1", at: 10, desired: 5)], applied: [],
                                        target: Self.ecs)[0]
        plan.failed(old, kind: .rejected, now: .now)
        plan.keepOnly([])
        #expect(plan.nextRetry == nil)
        #expect(plan.failures(of: old) == 0)
    }
}

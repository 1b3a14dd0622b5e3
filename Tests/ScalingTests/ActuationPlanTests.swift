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
        plan.succeeded(newer, startedAt: t0 + .milliseconds(102))
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

    @Test(arguments: [
        (PreviousTerm?.none, false),
        (PreviousTerm(epoch: 3, holder: "a", released: true, owedReassert: false), false),
        (PreviousTerm(epoch: 3, holder: "a", released: false, owedReassert: false), true),
        (PreviousTerm(epoch: 3, holder: "me", released: false, owedReassert: false), false),
        (PreviousTerm(epoch: 3, holder: "a", released: true, owedReassert: true), true),
        (PreviousTerm(epoch: 3, holder: "me", released: true, owedReassert: true), true),
    ])
    func aTermReassertsWhenThePreviousOneWasCutOffByAnotherWorkerOrOwedIt(previous: PreviousTerm?, reassert: Bool) {
        #expect(LeadershipTerm.mustReassert(after: previous, holder: "me") == reassert)
        let now = ContinuousClock.now
        let term = LeadershipTerm(epoch: 4, after: previous, holder: "me", now: now, longestCall: .seconds(40))
        #expect(term.reassertAt == (reassert ? now + .seconds(40) : nil))
    }

    @Test func afterACutOffEveryTargetGetsItsNewestDecisionOnceMoreByACallStartedWhenTheReassertIsDue() {
        let t0 = ContinuousClock.now
        var plan = ActuationPlan(schedule: RetrySchedule())
        plan.begin(LeadershipTerm(epoch: 2, after: PreviousTerm(epoch: 1, holder: "a", released: false, owedReassert: false),
                                  holder: "b", now: t0, longestCall: .seconds(10)))
        let capacity = [Self.capacity("gold", "g2", at: 20, desired: 7), Self.capacity("silver", "s1", at: 5, desired: 3),
                        Self.capacity("bronze", "b1", at: 5, desired: 2)]
        let applied = [Self.applied("gold", "g2", at: 20, desired: 7), Self.applied("silver", "s0", at: 1, desired: 1)]
        let before = plan.pending(capacity: capacity, applied: applied, target: Self.ecs, now: t0 + .seconds(9))
        #expect(before.map(\.stamp.decisionID) == ["s1"], "before it is due, only what is not applied")
        #expect(plan.nextWake(after: t0 + .seconds(9)) == t0 + .seconds(10))
        // s1 carried out before the re-assert was due: the deposed leader's call may still land after it.
        plan.succeeded(before[0], startedAt: t0 + .seconds(9))
        let applied2 = [Self.applied("gold", "g2", at: 20, desired: 7), Self.applied("silver", "s1", at: 5, desired: 3)]
        let due = plan.pending(capacity: capacity, applied: applied2, target: Self.ecs, now: t0 + .seconds(10))
        #expect(due.map(\.stamp.decisionID) == ["g2", "s1"])
        #expect(plan.owesReassert(capacity: capacity, applied: applied2, target: Self.ecs))
        #expect(plan.nextWake(after: t0 + .seconds(10)) == nil, "a due re-assert does not wake the loop again")
        plan.succeeded(due[0], startedAt: t0 + .seconds(10))
        plan.succeeded(due[1], startedAt: t0 + .seconds(11))
        #expect(plan.pending(capacity: capacity, applied: applied2, target: Self.ecs, now: t0 + .seconds(12)).isEmpty)
        #expect(!plan.owesReassert(capacity: capacity, applied: applied2, target: Self.ecs))
        // A clean hand-over owes nothing.
        plan.begin(LeadershipTerm(epoch: 3, after: PreviousTerm(epoch: 2, holder: "b", released: true, owedReassert: false),
                                  holder: "c", now: t0, longestCall: .seconds(10)))
        #expect(plan.pending(capacity: capacity, applied: applied2, target: Self.ecs, now: t0 + .seconds(60)).isEmpty)
    }
}

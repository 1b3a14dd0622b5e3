/// The decision last carried out on one target: one `scaling_actuation.applied` row.
public struct AppliedDecision: Sendable, Equatable {
    public var tier: String
    public var target: ActuationTarget
    public var stamp: DecisionStamp
    public var desired: Int

    public init(tier: String, target: ActuationTarget, stamp: DecisionStamp, desired: Int) {
        self.tier = tier
        self.target = target
        self.stamp = stamp
        self.desired = desired
    }
}

/// Which decisions still have to be carried out, and when a failed one may be tried again. Pure: the loop around it
/// reads the tables, asks it, calls the actuator and tells it how that went.
public struct ActuationPlan: Sendable {
    public let schedule: RetrySchedule
    private var failing: [ActuationTarget: Failing] = [:]
    /// The leadership term the loop acts in, nil while it stands by.
    public private(set) var term: LeadershipTerm?
    /// Targets this term set to their newest decision with a call started after its re-assert was due.
    private var reasserted: Set<ActuationTarget> = []

    /// Consecutive failures of one request.
    private struct Failing: Sendable {
        var stamp: DecisionStamp
        var failures: Int
        var notBefore: ContinuousClock.Instant
    }

    public init(schedule: RetrySchedule) {
        self.schedule = schedule
    }

    /// For each tier with a target, its newest decision when the target has not had it or anything newer yet.
    /// An older decision is never returned over a newer applied one, whatever order they came in.
    public static func pending(capacity: [TierCapacity], applied: [AppliedDecision],
                               target: (String) -> ActuationTarget?) -> [ActuationRequest] {
        newest(capacity: capacity, applied: applied, target: target).filter { !$0.done }.map(\.request)
    }

    /// ``pending(capacity:applied:target:)``, and once the term's re-assert is due (`now` at or past
    /// ``LeadershipTerm/reassertAt``), each target's newest decision again, applied or not, until this term has set it.
    public func pending(capacity: [TierCapacity], applied: [AppliedDecision], target: (String) -> ActuationTarget?,
                        now: ContinuousClock.Instant) -> [ActuationRequest] {
        let reasserting = term?.reassertAt.map { now >= $0 } ?? false
        return Self.newest(capacity: capacity, applied: applied, target: target)
            .filter { !$0.done || (reasserting && !reasserted.contains($0.request.target)) }
            .map(\.request)
    }

    /// Whether the term owes a re-assert it has not finished: some target's newest decision (not older than its
    /// applied one) has not been set by a call this term started after the re-assert was due.
    public func owesReassert(capacity: [TierCapacity], applied: [AppliedDecision],
                             target: (String) -> ActuationTarget?) -> Bool {
        guard term?.reassertAt != nil else { return false }
        return Self.newest(capacity: capacity, applied: applied, target: target)
            .contains { !reasserted.contains($0.request.target) }
    }

    /// Starts acting in `term`; what an earlier term re-asserted does not count for it.
    public mutating func begin(_ term: LeadershipTerm) {
        self.term = term
        reasserted = []
    }

    /// Stops acting: the term was lost or given up.
    public mutating func end() {
        term = nil
        reasserted = []
    }

    /// Each tier's newest decision on its target, unless the target has had a newer one, and whether it has had this one.
    private static func newest(capacity: [TierCapacity], applied: [AppliedDecision],
                               target: (String) -> ActuationTarget?) -> [(request: ActuationRequest, done: Bool)] {
        let lastApplied = Dictionary(applied.map { (AppliedKey(tier: $0.tier, target: $0.target), $0.stamp) },
                                     uniquingKeysWith: { max($0, $1) })
        return capacity.compactMap { tier in
            guard let target = target(tier.tier) else { return nil }
            let done = lastApplied[AppliedKey(tier: tier.tier, target: target)]
            if let done, tier.stamp < done { return nil }
            let request = ActuationRequest(tier: tier.tier, target: target, stamp: tier.stamp, desired: tier.desired,
                                           desiredSpot: tier.desiredSpot, desiredOnDemand: tier.desiredOnDemand)
            return (request, done == tier.stamp)
        }
    }

    /// Whether `request` may be attempted at `now`: yes unless the same decision failed on the same target and its
    /// backoff has not passed. A newer decision for the target starts afresh.
    public func isDue(_ request: ActuationRequest, now: ContinuousClock.Instant) -> Bool {
        guard let failing = failing[request.target], failing.stamp == request.stamp else { return true }
        return now >= failing.notBefore
    }

    /// Records a failed attempt at `now`; returns how long until the next one.
    @discardableResult
    public mutating func failed(_ request: ActuationRequest, kind: ActuationFailure.Kind,
                                now: ContinuousClock.Instant) -> Duration {
        let failures = failing[request.target].map { $0.stamp == request.stamp ? $0.failures + 1 : 1 } ?? 1
        let delay = schedule.delay(afterFailures: failures, kind: kind)
        failing[request.target] = Failing(stamp: request.stamp, failures: failures, notBefore: now + delay)
        return delay
    }

    /// Records that `request` was carried out by a call started at `startedAt` (nil when unknown: then it does not
    /// count as a re-assert).
    public mutating func succeeded(_ request: ActuationRequest, startedAt: ContinuousClock.Instant? = nil) {
        failing[request.target] = nil
        if let reassertAt = term?.reassertAt, let startedAt, startedAt >= reassertAt { reasserted.insert(request.target) }
    }

    /// Forgets the failures of requests no longer pending (carried out elsewhere, or replaced by a newer decision).
    public mutating func keepOnly(_ pending: [ActuationRequest]) {
        let current = Dictionary(pending.map { ($0.target, $0.stamp) }, uniquingKeysWith: { max($0, $1) })
        failing = failing.filter { current[$0.key] == $0.value.stamp }
    }

    /// Consecutive failures of `request` so far.
    public func failures(of request: ActuationRequest) -> Int {
        failing[request.target].flatMap { $0.stamp == request.stamp ? $0.failures : nil } ?? 0
    }

    /// The earliest instant a failed request becomes due again, if any is waiting.
    public var nextRetry: ContinuousClock.Instant? {
        failing.values.map(\.notBefore).min()
    }

    /// The earliest instant something may become due: a retry, or the term's re-assert if it is still to come.
    public func nextWake(after now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        [nextRetry, term?.reassertAt.flatMap { $0 > now ? $0 : nil }].compactMap { $0 }.min()
    }

    private struct AppliedKey: Hashable {
        var tier: String
        var target: ActuationTarget
    }
}

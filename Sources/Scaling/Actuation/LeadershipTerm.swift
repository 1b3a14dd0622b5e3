/// How the previous actuation leader's term stood when the next one took over: the `scaling_actuation.leadership`
/// row before it was moved on.
public struct PreviousTerm: Sendable, Equatable {
    public var epoch: Int64
    /// Who held it (``LeadershipTerm/holderName(host:pid:instance:)``).
    public var holder: String
    /// It let go cleanly: its last call had finished and been recorded.
    public var released: Bool
    /// It had not finished setting every target again after a term before it ended badly.
    public var owedReassert: Bool

    public init(epoch: Int64, holder: String, released: Bool, owedReassert: Bool) {
        self.epoch = epoch
        self.holder = holder
        self.released = released
        self.owedReassert = owedReassert
    }
}

/// One worker's term as the actuation leader. The advisory lock says who may act; the epoch, one more than the
/// previous term's, fences what it records: a call's success is recorded as applied only while the stored epoch is
/// still this term's, so a leader deposed during a slow call cannot record over its successor.
///
/// Nothing fences the call itself: a deposed leader's request may still reach the target after the new leader's.
/// So when the previous term did not end cleanly (and was not this worker's own, whose calls have all returned),
/// the new term sets every target to its newest decision once more, after `reassertAt`: by then any call the
/// deposed leader started has landed or timed out.
public struct LeadershipTerm: Sendable, Equatable {
    public let epoch: Int64
    /// When the re-assert is due, if this term owes one.
    public let reassertAt: ContinuousClock.Instant?

    /// The term numbered `epoch` taken at `now` by `holder` after `previous` (nil the first time); `longestCall` is
    /// how long after it starts an actuator call may still change its target.
    public init(epoch: Int64, after previous: PreviousTerm?, holder: String, now: ContinuousClock.Instant,
                longestCall: Duration) {
        self.epoch = epoch
        self.reassertAt = Self.mustReassert(after: previous, holder: holder) ? now + max(longestCall, .zero) : nil
    }

    /// Whether a call of an earlier leader may land after this term's own calls: the previous term was cut off
    /// (session lost, process killed) by another worker, or itself still owed a re-assert.
    public static func mustReassert(after previous: PreviousTerm?, holder: String) -> Bool {
        guard let previous else { return false }
        if previous.owedReassert { return true }
        return !previous.released && previous.holder != holder
    }

    /// The name a worker holds leadership under: host, process and an id of the loop, so that a restarted process
    /// with the same pid is another holder.
    public static func holderName(host: String, pid: Int32, instance: String) -> String {
        "\(host):\(pid)/\(instance)"
    }
}

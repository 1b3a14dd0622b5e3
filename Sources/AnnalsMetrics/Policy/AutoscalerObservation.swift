/// What one sample (or the end of a stream) led to.
public struct AutoscalerObservation: Sendable, Equatable {
    /// Decisions to publish, in order: those of the minutes the sample closed, then a spot replacement.
    public var decisions: [PolicyDecision]
    /// Minutes the sample closed, in order: the rollups the policy decided on.
    public var closedMinutes: [MinuteRollup]
    /// The sample fell in a minute already closed: its minute's stored rollup still takes it, the policy does not.
    public var isLate: Bool
    /// The sample was not of the autoscaler's tier (or tiers) and was ignored.
    public var isIgnored: Bool

    public init(decisions: [PolicyDecision] = [], closedMinutes: [MinuteRollup] = [], isLate: Bool = false, isIgnored: Bool = false) {
        self.decisions = decisions
        self.closedMinutes = closedMinutes
        self.isLate = isLate
        self.isIgnored = isIgnored
    }

    /// Both observations, this one's first.
    public func merged(with other: AutoscalerObservation) -> AutoscalerObservation {
        AutoscalerObservation(
            decisions: decisions + other.decisions, closedMinutes: closedMinutes + other.closedMinutes,
            isLate: isLate || other.isLate, isIgnored: isIgnored && other.isIgnored)
    }
}

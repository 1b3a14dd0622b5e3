/// What the policy makes of one closed minute before it looks at its history: each metric's proposal and the
/// minute's recommendation.
public struct PolicyEvaluation: Sendable, Equatable {
    /// Queue depth, GPU utilisation and latency, in that order.
    public var proposals: [MetricProposal]
    /// The largest proposal (the first of equals in priority order).
    public var winner: MetricProposal
    /// The winner's instances clamped to the tier's limits: what the scale-in window records for the minute.
    public var recommendation: Int

    public init(proposals: [MetricProposal], winner: MetricProposal, recommendation: Int) {
        self.proposals = proposals
        self.winner = winner
        self.recommendation = recommendation
    }
}

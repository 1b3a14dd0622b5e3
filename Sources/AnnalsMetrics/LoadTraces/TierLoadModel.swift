/// How one tier's instances behave under load in a generated trace: a deliberately simple model, documented so
/// the figures in tests and docs/autoscaling.md can be checked by hand.
///
/// With `P` players, the tier receives `λ = P × playerShare × requestsPerPlayerPerSecond` requests/s; `c`
/// instances complete `c × serviceRatePerInstance` of them, so their load is `ρ = λ / (c × μ)`. Each instance
/// reports (with a seeded per-sample jitter `ε`):
/// - GPU utilisation `min(1, ρ(1+ε))`, or 1 while a backlog waits;
/// - queue depth `batchSlots × utilisation` plus its share of the backlog (requests that arrived beyond
///   capacity and wait; the backlog grows by `λ − cμ` each second and drains at the same rate when negative);
/// - latency P95 `baseLatency + congestionLatency × ρ'/(1 − ρ')` with `ρ' = min(ρ(1+ε), 0.95)`, plus the time to
///   drain the backlog, `backlog / (cμ)`;
/// - GPU memory `0.30 + 0.55 × utilisation` (weights resident, KV cache growing with load);
/// - active players `P × playerShare / c`.
/// Summed over instances, queue depth is `batchSlots × λ/μ` and GPU work `λ/μ` while no backlog forms: both are
/// independent of `c`, which is what lets a backtest replay a trace at another capacity.
public struct TierLoadModel: Sendable, Equatable, Codable {
    /// Share of all players on this tier.
    public var playerShare: Double
    /// Inference requests one player sends per second.
    public var requestsPerPlayerPerSecond: Double
    /// Requests per second one instance completes at full GPU utilisation.
    public var serviceRatePerInstance: Double
    /// Queue depth of one fully loaded instance without backlog.
    public var batchSlots: Double
    /// Latency P95 of an idle instance, seconds.
    public var baseLatencySeconds: Double
    /// Scale of the latency added by congestion, seconds.
    public var congestionLatencySeconds: Double
    /// The recording fleet never runs more instances (the capacity plan's maximum).
    public var maxInstances: Int

    public init(
        playerShare: Double, requestsPerPlayerPerSecond: Double, serviceRatePerInstance: Double = 20,
        batchSlots: Double = 16, baseLatencySeconds: Double = 0.3, congestionLatencySeconds: Double = 0.1,
        maxInstances: Int
    ) {
        self.playerShare = playerShare
        self.requestsPerPlayerPerSecond = requestsPerPlayerPerSecond
        self.serviceRatePerInstance = serviceRatePerInstance
        self.batchSlots = batchSlots
        self.baseLatencySeconds = baseLatencySeconds
        self.congestionLatencySeconds = congestionLatencySeconds
        self.maxInstances = maxInstances
    }

    /// Requests per second from `players` players.
    public func requestsPerSecond(players: Double) -> Double {
        players * playerShare * requestsPerPlayerPerSecond
    }
}

import AnnalsEvents

/// What a backtest found for one tier.
public struct TierBacktest: Sendable, Equatable {
    public var tier: Tier
    /// Capacity at the start.
    public var initialCapacity: Int
    /// Every decision, in order, as the worker would have published them.
    public var decisions: [PolicyDecision]
    /// From the tier's first minute with samples to its last.
    public var minutes: [BacktestMinute]
    /// Runs of minutes under target.
    public var breaches: [Breach]

    public init(tier: Tier, initialCapacity: Int, decisions: [PolicyDecision], minutes: [BacktestMinute], breaches: [Breach]) {
        self.tier = tier
        self.initialCapacity = initialCapacity
        self.decisions = decisions
        self.minutes = minutes
        self.breaches = breaches
    }

    /// Σ capacity over every minute, held at Int.max.
    public var instanceMinutesProvisioned: Int { minutes.reduce(0) { $0.saturatingAdding($1.capacity) } }
    /// Σ needed over the minutes with samples, held at Int.max.
    public var instanceMinutesNeeded: Int { minutes.reduce(0) { $0.saturatingAdding($1.needed ?? 0) } }
    /// Minutes in which demand exceeded capacity.
    public var minutesUnderTarget: Int { minutes.filter(\.isUnderTarget).count }
    /// Minutes in which the tier sent no samples.
    public var minutesWithoutSamples: Int { minutes.filter { $0.demand == nil }.count }
    /// The longest breach-to-scale-out time; nil without breaches covered by a scale-out.
    public var slowestScaleOutMinutes: Int? { breaches.compactMap(\.scaleOutAfterMinutes).max() }

    /// Decisions of one kind.
    public func decisions(_ kind: PolicyDecision.Kind) -> [PolicyDecision] { decisions.filter { $0.kind == kind } }

    /// One line: decisions, breaches and their scale-out times, instance-minutes, minutes under target.
    public var summary: String {
        let out = decisions(.scaleOut).count
        let inward = decisions(.scaleIn).count
        let spot = decisions(.spotReplacement).count
        let times = breaches.map { $0.scaleOutAfterMinutes.map(String.init) ?? "-" }
        let ratio = instanceMinutesNeeded > 0
            ? " (\(Figures.short(Double(instanceMinutesProvisioned) / Double(instanceMinutesNeeded) * 100, decimals: 0))%)" : ""
        var text = "\(tier.name): \(decisions.count) decisions (\(out) out, \(inward) in, \(spot) spot replacements); "
        text += "\(breaches.count) breaches"
        if !breaches.isEmpty {
            text += ", scale-out after \(times.joined(separator: "/")) min"
            if let slowest = slowestScaleOutMinutes { text += " (slowest \(slowest))" }
        }
        text += "; \(instanceMinutesProvisioned) instance-minutes provisioned vs \(instanceMinutesNeeded) needed\(ratio)"
        text += "; \(minutesUnderTarget) minutes under target"
        if minutesWithoutSamples > 0 { text += "; \(minutesWithoutSamples) minutes without samples" }
        return text
    }
}

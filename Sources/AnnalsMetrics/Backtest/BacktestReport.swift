/// A backtest's findings for every tier that sent samples.
public struct BacktestReport: Sendable, Equatable {
    public var settings: BacktestSettings
    /// ``ScalePolicy/version(settings:)`` of the policy settings.
    public var policyVersion: String
    /// Gold, silver, bronze, those with samples.
    public var tiers: [TierBacktest]

    public init(settings: BacktestSettings, policyVersion: String, tiers: [TierBacktest]) {
        self.settings = settings
        self.policyVersion = policyVersion
        self.tiers = tiers
    }

    /// Every tier's decisions, gold first.
    public var decisions: [PolicyDecision] { tiers.flatMap(\.decisions) }

    /// A heading line, then one ``TierBacktest/summary`` line per tier.
    public var summary: String {
        (["policy \(policyVersion), provisioning delay \(settings.provisioningDelayMinutes) min"] + tiers.map(\.summary))
            .joined(separator: "\n")
    }
}

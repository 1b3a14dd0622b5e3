import AnnalsEvents
import AnnalsMetrics
import Foundation

/// What `annals backtest` prints: per tier the summary, the decisions and the breaches, as text or as JSON.
struct BacktestOutput: Codable, Equatable {
    struct Decision: Codable, Equatable {
        var decisionID: String
        /// The minute decided in, ISO 8601 to the minute.
        var decidedAt: String
        var kind: String
        var currentCapacity: Int
        var desiredCapacity: Int
        var reason: String
    }

    struct Breach: Codable, Equatable {
        var start: String
        var minutes: Int
        /// Highest demand of the breach, in instance-equivalents.
        var peakDemand: Double
        /// Minutes until capacity covered the breach's demand; nil when it never did.
        var scaleOutAfterMinutes: Int?
    }

    struct Tier: Codable, Equatable {
        var tier: String
        /// The instance type the tier is priced at, and its hourly prices.
        var instanceType: String
        var onDemandPerHour: Double
        var spotPerHour: Double
        var cost: CostFigures
        var initialCapacity: Int
        var decisions: [Decision]
        var breaches: [Breach]
        var slowestScaleOutMinutes: Int?
        var instanceMinutesProvisioned: Int
        var instanceMinutesNeeded: Int
        var minutesUnderTarget: Int
        var minutesWithoutSamples: Int
        var summary: String
    }

    var source: String
    var samples: Int
    var policySource: String
    var policyVersion: String
    var provisioningDelayMinutes: Int
    var tiers: [Tier]
    /// Every tier's cost together.
    var cost: CostFigures
    /// Where the prices come from, and their region.
    var pricesSource: String
    var pricesRegion: String

    init(_ report: BacktestReport, samples: Int, source: String, policySource: String,
         prices: PriceTable = .defaults, pricesSource: String = "built-in prices") throws {
        self.source = source
        self.samples = samples
        self.policySource = policySource
        policyVersion = report.policyVersion
        provisioningDelayMinutes = report.settings.provisioningDelayMinutes
        self.pricesSource = pricesSource
        pricesRegion = prices.region
        var total = BacktestCost.zero
        tiers = try report.tiers.map { tier in
            let price = try prices.price(of: tier.tier)
            let cost = BacktestCost(tier, price: price, split: report.settings.policy.split)
            total = total + cost
            return Tier(
                tier: tier.tier.name, instanceType: prices.tierInstanceTypes[tier.tier.name] ?? "",
                onDemandPerHour: price.onDemand, spotPerHour: price.spot, cost: CostFigures(cost),
                initialCapacity: tier.initialCapacity,
                decisions: tier.decisions.map {
                    Decision(decisionID: $0.decisionID, decidedAt: $0.decidedMinute.description, kind: $0.kind.rawValue,
                             currentCapacity: $0.currentCapacity, desiredCapacity: $0.desiredCapacity, reason: $0.reason)
                },
                breaches: tier.breaches.map {
                    Breach(start: $0.start.description, minutes: $0.minutes, peakDemand: $0.peakDemand,
                           scaleOutAfterMinutes: $0.scaleOutAfterMinutes)
                },
                slowestScaleOutMinutes: tier.slowestScaleOutMinutes,
                instanceMinutesProvisioned: tier.instanceMinutesProvisioned, instanceMinutesNeeded: tier.instanceMinutesNeeded,
                minutesUnderTarget: tier.minutesUnderTarget, minutesWithoutSamples: tier.minutesWithoutSamples,
                summary: tier.summary)
        }
        cost = CostFigures(total)
    }

    /// A heading, then per tier its summary line, its decisions and its breaches.
    var text: String {
        var lines = [
            "backtest of \(samples) samples from \(source): policy \(policyVersion) (\(policySource)), "
                + "provisioning delay \(provisioningDelayMinutes) min",
        ]
        for tier in tiers {
            lines.append("")
            lines.append(tier.summary)
            lines.append("  starts at \(tier.initialCapacity) instances")
            lines.append("  cost at \(tier.instanceType) (\(CostFigures.dollars(tier.onDemandPerHour)) an hour on demand, "
                + "\(CostFigures.dollars(tier.spotPerHour)) spot): \(tier.cost.line(peak: "held at its peak"))")
            if !tier.decisions.isEmpty { lines.append("  decisions:") }
            for decision in tier.decisions {
                lines.append("    \(decision.decidedAt)  \(decision.currentCapacity) → \(decision.desiredCapacity)  "
                    + "\(decision.kind): \(decision.reason)")
            }
            if !tier.breaches.isEmpty { lines.append("  breaches (demand above capacity by more than the tolerance):") }
            for breach in tier.breaches {
                let covered = breach.scaleOutAfterMinutes.map { "capacity covered it after \($0) min" } ?? "capacity never covered it"
                lines.append("    \(breach.start)  \(breach.minutes) min, peak demand \(String(format: "%.1f", breach.peakDemand)) "
                    + "instances; \(covered)")
            }
        }
        lines.append("")
        lines.append("cost in all (\(pricesSource), \(pricesRegion)): \(cost.line(peak: "each tier held at its peak"))")
        return lines.joined(separator: "\n")
    }

    /// Pretty JSON with sorted keys.
    func json() throws -> String { try CostFigures.json(self) }
}

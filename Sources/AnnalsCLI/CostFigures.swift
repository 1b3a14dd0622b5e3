import AnnalsMetrics
import Foundation

/// What a capacity cost, with the two plans it is compared against, as `annals backtest` and `annals cost` print it.
struct CostFigures: Codable, Equatable {
    var dollars: Double
    var spotHours: Double
    var onDemandHours: Double
    /// Each tier held at its peak capacity for the whole time.
    var dollarsAtPeak: Double
    /// The same capacity, all on demand.
    var dollarsAllOnDemand: Double
    /// Player-hours served, when known (a backtest's samples carry them).
    var playerHours: Double?
    var dollarsPerThousandPlayerHours: Double?

    init(provisioned: CapacityCost, atPeak: CapacityCost, allOnDemand: CapacityCost) {
        dollars = provisioned.dollars
        spotHours = provisioned.spotHours
        onDemandHours = provisioned.onDemandHours
        dollarsAtPeak = atPeak.dollars
        dollarsAllOnDemand = allOnDemand.dollars
    }

    init(_ cost: BacktestCost) {
        self.init(provisioned: cost.provisioned, atPeak: cost.atPeak, allOnDemand: cost.allOnDemand)
        playerHours = cost.playerHours
        dollarsPerThousandPlayerHours = cost.dollarsPerThousandPlayerHours
    }

    /// `$12.34 (8.0 spot + 2.0 on-demand instance-hours); held at its peak $20.00 (the policy saves 38%); …`.
    func line(peak: String) -> String {
        var text = "\(Self.dollars(dollars)) (\(Self.hours(spotHours)) spot + \(Self.hours(onDemandHours)) on-demand instance-hours)"
        text += "; \(peak) \(Self.dollars(dollarsAtPeak))"
        if dollarsAtPeak > 0 { text += " (the policy saves \(Self.percent(1 - dollars / dollarsAtPeak)))" }
        text += "; all on demand \(Self.dollars(dollarsAllOnDemand))"
        if dollarsAllOnDemand > 0 { text += " (spot saves \(Self.percent(1 - dollars / dollarsAllOnDemand)))" }
        if let perThousand = dollarsPerThousandPlayerHours, let playerHours {
            text += "; \(Self.dollars(perThousand)) per 1,000 player-hours (\(Self.hours(playerHours)) served)"
        }
        return text
    }

    static func dollars(_ amount: Double) -> String { String(format: "$%.2f", amount) }
    static func hours(_ hours: Double) -> String { String(format: "%.1f", hours) }
    static func percent(_ share: Double) -> String { String(format: "%.0f%%", share * 100) }

    /// Pretty JSON with sorted keys, as both commands print.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

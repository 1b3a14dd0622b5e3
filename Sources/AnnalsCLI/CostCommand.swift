import AnnalsEvents
import AnnalsMetrics
import ArgumentParser
import Foundation
import Postgres
import Projection
import Scaling

/// `annals cost`: what the capacity recorded in `scaling.decisions` cost over a period.
struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "What the scale decisions recorded in scaling.decisions cost over a period.",
        discussion: """
        Each decision's capacity (its spot and on-demand instances) holds from the time it was decided until the \
        tier's next decision; a tier's capacity before its first decision of the period is the last one decided \
        before it. Prices per instance-hour come from --prices (a JSON price table laid over the built-in us-east-1 \
        list prices of the ECS template's instance types, spot at 40%). Per tier and in all: instance-hours spot and \
        on demand, dollars, the same against holding each tier at its peak and against all on demand, and dollars \
        by UTC day. Examples:
          annals cost --since 2026-12-01T00:00:00Z
          annals cost --since 2026-12-06T00:00:00Z --until 2026-12-07T00:00:00Z --prices prices.json --json
        """)

    @Option(help: ArgumentHelp("Start of the period, ISO 8601 (default: 7 days before --until).", valueName: "time"))
    var since: String?
    @Option(help: ArgumentHelp("End of the period, ISO 8601 (default: now).", valueName: "time"))
    var until: String?
    @Option(help: ArgumentHelp("A JSON price table laid over the built-in one (see annals backtest --help).", valueName: "file"))
    var prices: String?
    @Option(help: "The scaling schema.") var schema = "scaling"
    @Flag(help: "Print JSON instead of text.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        let (since, until) = try period(now: Date())
        guard since < until else { throw ValidationError("--since must be before --until") }
    }

    func run() throws {
        let (since, until) = try period(now: Date())
        let table = try PriceTable.defaults(overriddenBy: prices)
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        let history = try ScalingQueries(schema: schema).capacityHistory(
            since: since.timeIntervalSince1970, until: until.timeIntervalSince1970, connection: db)
        var changes: [Tier: [CapacityTimeline.Change]] = [:]
        for setting in history {
            guard let tier = Tier(name: setting.tier) else { continue }
            changes[tier, default: []].append(CapacityTimeline.Change(
                at: Date(timeIntervalSince1970: setting.decidedAt),
                split: CapacitySplit(spot: Int(clamping: max(0, setting.spot)), onDemand: Int(clamping: max(0, setting.onDemand)))))
        }
        let cost = try PeriodCost(changes, since: since, until: until, prices: table)
        let report = CostReport(cost, pricesSource: prices ?? "built-in prices", region: table.region)
        print(json ? try report.json() : report.text)
    }

    /// `--since` and `--until` as dates.
    private func period(now: Date) throws -> (since: Date, until: Date) {
        let until = try until.map { try Self.date($0, option: "--until") } ?? now
        let since = try since.map { try Self.date($0, option: "--since") } ?? until.addingTimeInterval(-7 * 86_400)
        return (since, until)
    }

    static func date(_ text: String, option: String) throws -> Date {
        guard let date = InternetTime.date(text) else {
            throw ValidationError("\(option) \(text) is not an ISO 8601 time: use e.g. 2026-12-01T00:00:00Z")
        }
        return date
    }
}

/// What `annals cost` prints, as text or JSON.
struct CostReport: Codable, Equatable {
    struct TierFigures: Codable, Equatable {
        var tier: String
        var instanceType: String
        var onDemandPerHour: Double
        var spotPerHour: Double
        var cost: CostFigures
    }

    struct Day: Codable, Equatable {
        /// The UTC day, `2026-12-06`.
        var day: String
        /// Dollars by tier name, and `total`.
        var dollars: [String: Double]
    }

    var since: String
    var until: String
    var pricesSource: String
    var region: String
    var tiers: [TierFigures]
    var total: CostFigures
    var days: [Day]

    init(_ cost: PeriodCost, pricesSource: String, region: String) {
        let iso = ISO8601DateFormatter()
        since = iso.string(from: cost.since)
        until = iso.string(from: cost.until)
        self.pricesSource = pricesSource
        self.region = region
        tiers = cost.tiers.map { tier in
            TierFigures(tier: tier.tier.name, instanceType: tier.instanceType, onDemandPerHour: tier.price.onDemand,
                        spotPerHour: tier.price.spot,
                        cost: CostFigures(provisioned: tier.provisioned, atPeak: tier.atPeak, allOnDemand: tier.allOnDemand))
        }
        let total = cost.total
        self.total = CostFigures(provisioned: total.provisioned, atPeak: total.atPeak, allOnDemand: total.allOnDemand)
        let dayFormat = ISO8601DateFormatter()
        dayFormat.formatOptions = [.withFullDate]
        days = cost.days.map { day, dollars in
            var byName = Dictionary(uniqueKeysWithValues: dollars.map { ($0.key.name, $0.value) })
            byName["total"] = dollars.values.reduce(0, +)
            return Day(day: dayFormat.string(from: day), dollars: byName)
        }
    }

    var text: String {
        var lines = ["capacity cost from \(since) to \(until) (\(pricesSource), \(region)):"]
        for tier in tiers {
            lines.append("  \(tier.tier) at \(tier.instanceType) (\(CostFigures.dollars(tier.onDemandPerHour)) on demand, "
                + "\(CostFigures.dollars(tier.spotPerHour)) spot an hour): \(tier.cost.line(peak: "held at its peak"))")
        }
        lines.append("  in all: \(total.line(peak: "each tier held at its peak"))")
        if !days.isEmpty { lines.append("by day (UTC):") }
        for day in days {
            let parts = tiers.map { "\($0.tier) \(CostFigures.dollars(day.dollars[$0.tier] ?? 0))" }
            lines.append("  \(day.day)  \(CostFigures.dollars(day.dollars["total"] ?? 0))  (\(parts.joined(separator: ", ")))")
        }
        return lines.joined(separator: "\n")
    }

    func json() throws -> String { try CostFigures.json(self) }
}

import AnnalsMetrics
import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle

/// Keeps the worker's `annals_fleet_*` gauges (labelled by tier) at each tier's newest closed minute
/// (`FleetMinute`): read again after each commit (`wake`) and every `interval`, so the minutes since a tier's last
/// sample keep counting when samples stop. A failed read keeps the last values and is logged. With an hourly budget,
/// `annals_fleet_cost_budget_dollars_per_hour` shows it, for the run-rate alert to compare the tiers' cost with.
public final class FleetGauges: Service, Sendable {
    private let database: SerialConnection
    private let schema: String
    private let logger: Logger
    private let wakeups: Wakeups
    private let policy: ScalePolicySettings
    private let prices: PriceTable
    private let hourlyBudget: Double?

    public init(databaseURL: String, schema: String = "metrics", policy: ScalePolicySettings, prices: PriceTable,
                hourlyBudget: Double?, interval: Duration = .seconds(15), logger: Logger) {
        database = SerialConnection(conninfo: databaseURL, label: "annals.metrics.fleet-gauges")
        self.schema = schema
        self.logger = logger
        self.policy = policy
        self.prices = prices
        self.hourlyBudget = hourlyBudget
        wakeups = Wakeups(every: interval)
    }

    /// Reads the minutes again soon (a batch committed).
    public func wake() {
        wakeups.wake()
    }

    public func run() async throws {
        if let hourlyBudget {
            Gauge(label: "annals_fleet_cost_budget_dollars_per_hour").record(hourlyBudget)
        }
        await wakeups.run { await self.refresh() }
        await database.close()
    }

    func refresh() async {
        let schema = schema
        do {
            let minutes = try await database.run { try FleetMinute.read(schema: schema, connection: $0) }
            let now = Date().timeIntervalSince1970
            for minute in minutes {
                for (name, value) in minute.gaugeValues(now: now, policy: policy, prices: prices) {
                    Gauge(label: name, dimensions: [("tier", minute.tier)]).record(value)
                }
            }
        } catch {
            logger.warning("cannot read the fleet's newest minutes now, will retry", metadata: ["error": "\(error)"])
            await database.close()
        }
    }
}

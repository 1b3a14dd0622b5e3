import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle

/// Keeps the worker's `annals_fleet_*` gauges (labelled by tier) at each tier's newest closed minute
/// (`FleetMinute`): read again after each commit (`wake`) and every `interval`, so the minutes since a tier's last
/// sample keep counting when samples stop. A failed read keeps the last values and is logged.
public final class FleetGauges: Service, Sendable {
    private let database: SerialConnection
    private let schema: String
    private let logger: Logger
    private let wakeups: Wakeups

    public init(databaseURL: String, schema: String = "metrics", interval: Duration = .seconds(15), logger: Logger) {
        database = SerialConnection(conninfo: databaseURL, label: "annals.metrics.fleet-gauges")
        self.schema = schema
        self.logger = logger
        wakeups = Wakeups(every: interval)
    }

    /// Reads the minutes again soon (a batch committed).
    public func wake() {
        wakeups.wake()
    }

    public func run() async throws {
        await wakeups.run { await self.refresh() }
        await database.close()
    }

    func refresh() async {
        let schema = schema
        do {
            let minutes = try await database.run { try FleetMinute.read(schema: schema, connection: $0) }
            let now = Date().timeIntervalSince1970
            for minute in minutes {
                for (name, value) in minute.gaugeValues(now: now) {
                    Gauge(label: name, dimensions: [("tier", minute.tier)]).record(value)
                }
            }
        } catch {
            logger.warning("cannot read the fleet's newest minutes now, will retry", metadata: ["error": "\(error)"])
            await database.close()
        }
    }
}

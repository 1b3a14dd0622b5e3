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
    private let interval: Duration
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init(databaseURL: String, schema: String = "metrics", interval: Duration = .seconds(15), logger: Logger) {
        database = SerialConnection(conninfo: databaseURL, label: "annals.metrics.fleet-gauges")
        self.schema = schema
        self.interval = interval
        self.logger = logger
        (wakeups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Reads the minutes again soon (a batch committed).
    public func wake() {
        continuation.yield()
    }

    public func run() async throws {
        continuation.yield()
        await withDiscardingTaskGroup { group in
            group.addTask { [continuation, interval] in
                while (try? await Task.sleep(for: interval)) != nil { continuation.yield() }
            }
            await withGracefulShutdownHandler {
                for await _ in wakeups { await refresh() }
            } onGracefulShutdown: { [continuation] in
                continuation.finish()
            }
            group.cancelAll()
        }
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

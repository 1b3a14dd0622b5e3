import ArgumentParser
import Foundation
import Logging
import Postgres
import Projection
import ServiceLifecycle
import WorkerHTTP

/// Settings every projection worker takes.
struct WorkerOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Consumer group shared by every worker of this projection (default: annals-<projection>).")
    var group: String?
    @Option(help: "Most events per transaction.") var batchSize = 5_000
    @Option(help: ArgumentHelp(
        "Most bytes of events per transaction, and read ahead of the commits; bounds memory under large events.",
        valueName: "bytes"))
    var batchBytes = RunnerStateMachine.Settings.defaultMaxBatchBytes
    @Option(help: "Longest wait, in milliseconds, for a batch to fill.") var lingerMs = 50
    @Option(help: "Port for /healthz, /readyz and /metrics; 0 turns them off (default: $ANNALS_HTTP_PORT or 9464).")
    var httpPort: Int?
    @Option(help: "Address the HTTP endpoints bind to.") var httpHost = "0.0.0.0"
    @Option(help: "Seconds messages may wait without a commit before /readyz reports the worker stalled.")
    var stallSeconds = 60
    @Option(help: ArgumentHelp(
        "Largest event value, in bytes; larger ones are dead-lettered with their raw value, to re-drive after raising it.",
        valueName: "bytes"))
    var maxEventBytes = BatchDecoder.defaultMaxEventBytes
    @Option(help: ArgumentHelp(
        "Event times (occurred_at, sampled_at, decided_at) more than this many seconds ahead of their record's Kafka "
            + "timestamp are dead-lettered as implausible. Replays must use the same value to rebuild the same tables.",
        valueName: "seconds"))
    var eventTimeHorizonSeconds = RunnerStateMachine.Settings.defaultEventTimeHorizonSeconds
    @Option(help: "Seconds between heartbeats in annals.workers (for `annals status`: owner and throughput).")
    var heartbeatSeconds = 5.0
    @OptionGroup(title: "Logging") var logging: LoggingOptions
    @Option(help: ArgumentHelp(
        "YAML file of settings by option name, e.g. `batch-size: 500`; flags and environment variables win over it "
            + "(default: $ANNALS_CONFIG).",
        valueName: "file"))
    var config: String?

    /// The environment variables standing for these options (see `WorkerCommand`).
    static let environmentVariables: [String: [String]] = ConnectionOptions.environmentVariables
        .merging(LoggingOptions.environmentVariables) { first, _ in first }
        .merging(["http-port": ["ANNALS_HTTP_PORT"], "config": ["ANNALS_CONFIG"]]) { first, _ in first }

    /// The port from the flag, then `ANNALS_HTTP_PORT`, then 9464.
    func effectiveHTTPPort(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        try Self.port(httpPort, environment: environment)
    }

    /// `flag`, else `ANNALS_HTTP_PORT`, else 9464: the port of any annals process's HTTP endpoints.
    static func port(_ flag: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        if let httpPort = flag { return try Self.checkedPort(httpPort, source: "--http-port") }
        if let text = environment["ANNALS_HTTP_PORT"], !text.isEmpty {
            guard let port = Int(text) else {
                throw CLIError("ANNALS_HTTP_PORT=\(text) is not a port number: use 1-65535, or 0 to turn HTTP off")
            }
            return try Self.checkedPort(port, source: "ANNALS_HTTP_PORT")
        }
        return 9464
    }

    /// Runs `projection` until SIGTERM or SIGINT: finishes the batch in flight, commits, leaves the group.
    /// `alongside` run in the same service group and stop after the projection (graceful shutdown goes in reverse
    /// order), so they still see its last batch; `onCommit` runs after each committed batch. Unless the port is 0,
    /// /healthz, /readyz and /metrics are served too, until everything else has stopped. The effective settings are
    /// logged first, as one "settings" line with `settings` added to it, secrets redacted.
    func run(_ projection: any Projection, logger: Logger, settings: Logger.Metadata = [:], alongside: [any Service] = [],
             onCommit: @escaping @Sendable (CommittedBatch) -> Void = { _ in }) async throws {
        let group = group ?? "annals-\(projection.name)"
        let httpPort = try effectiveHTTPPort()
        guard stallSeconds > 0 else { throw CLIError("--stall-seconds must be at least 1") }
        guard maxEventBytes > 0 else { throw CLIError("--max-event-bytes must be at least 1") }
        guard batchBytes > 0 else { throw CLIError("--batch-bytes must be at least 1") }
        guard eventTimeHorizonSeconds >= 0 else { throw CLIError("--event-time-horizon-seconds must be 0 or more") }
        guard heartbeatSeconds >= 0.1, heartbeatSeconds <= 3_600 else {
            throw CLIError("--heartbeat-seconds \(heartbeatSeconds): use 0.1 to 3600 (default 5)")
        }
        let configuration = RunnerConfiguration(
            kafka: try connection.kafkaConfig(), groupID: group, databaseURL: try connection.databaseConninfo,
            settings: .init(maxBatch: batchSize, lingerNanoseconds: UInt64(max(lingerMs, 0)) * 1_000_000,
                            maxBatchBytes: batchBytes, maxEventBytes: maxEventBytes,
                            eventTimeHorizonSeconds: eventTimeHorizonSeconds))
        logger.info("settings", metadata: effectiveSettings(
            projection: projection.name, configuration: configuration, httpPort: httpPort).merging(settings) { _, extra in extra })
        let health = RunnerHealth()
        var endpoints: [any Service] = []
        if httpPort != 0 {
            let http = WorkerEndpoints(health: health, registry: PrometheusBootstrap.registry,
                                       stallAfterNanoseconds: UInt64(stallSeconds) * 1_000_000_000)
            endpoints.append(http.service(host: httpHost, port: httpPort, logger: logger))
        }
        let service = ProjectionService(projection: projection, configuration: configuration, logger: logger, health: health,
                                        onCommit: onCommit)
        // Before the runner, so it stops after it (graceful shutdown goes in reverse order): the row goes once the
        // partitions are released.
        let heartbeat = WorkerHeartbeat(
            identity: .current(projection: projection.name, group: group,
                               httpEndpoint: httpPort == 0 ? nil : Self.endpoint(host: httpHost, port: httpPort)),
            databaseURL: configuration.databaseURL, health: health, interval: .milliseconds(Int(heartbeatSeconds * 1_000)),
            logger: logger)
        let serviceGroup = ServiceGroup(services: endpoints + alongside + [heartbeat, service],
                                        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await serviceGroup.run()
    }

    /// What the worker runs with: values as the code resolved them, secrets redacted, and `sources` saying which
    /// settings came from a flag, the environment or the settings file (the others are defaults).
    func effectiveSettings(projection: String, configuration: RunnerConfiguration, httpPort: Int,
                           report: SettingsReport = SettingsReport.current) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "projection": "\(projection)", "group": "\(configuration.groupID)", "kafka": "\(configuration.kafka)",
            "database": "\(configuration.databaseURL.isEmpty ? "libpq defaults (PG* variables)" : redacted(configuration.databaseURL))",
            "batch-size": "\(batchSize)", "batch-bytes": "\(batchBytes)", "linger-ms": "\(lingerMs)",
            "http": "\(httpPort == 0 ? "off" : "\(httpHost):\(httpPort)")", "stall-seconds": "\(stallSeconds)",
            "max-event-bytes": "\(maxEventBytes)", "event-time-horizon-seconds": "\(eventTimeHorizonSeconds)",
            "heartbeat-seconds": "\(heartbeatSeconds)",
            "config": "\(report.configPath ?? "none")", "sources": "\(report.sources.isEmpty ? "defaults" : report.sources)",
        ]
        if let logging = report.logging {
            metadata["log-format"] = "\(logging.format.rawValue)"
            metadata["log-level"] = "\(logging.level.rawValue)"
        }
        return metadata
    }

    /// The URL others reach the endpoints at: a wildcard bind address becomes the host name.
    static func endpoint(host: String, port: Int) -> String {
        let reachable = ["0.0.0.0", "::", "[::]", ""].contains(host) ? WorkerIdentity.hostName() : host
        return "http://\(reachable.contains(":") && !reachable.hasPrefix("[") ? "[\(reachable)]" : reachable):\(port)"
    }

    private static func checkedPort(_ port: Int, source: String) throws -> Int {
        guard (0...65_535).contains(port) else {
            throw CLIError("\(source) \(port) is not a port number: use 1-65535, or 0 to turn HTTP off")
        }
        return port
    }
}

import ArgumentParser
import AnnalsEvents
import AnnalsMetrics
import Foundation
import Logging
import MetricsAgent
import ServiceLifecycle
import WorkerHTTP

/// `annals-metrics-agent`: one per GPU instance (an ECS sidecar or daemon), sampling dcgm-exporter, the inference
/// server's metrics and EC2's instance metadata into metric-sample every interval, until SIGTERM.
public struct MetricsAgentCommand: WorkerCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-metrics-agent",
        abstract: "Sample this GPU instance's metrics into metric-sample every interval.",
        discussion: """
        Every --interval the agent reads its sources at once and publishes one MetricSample, keyed by tier, with the \
        event id <instance>@<milliseconds> (a retried send is the same event): \
        dcgm-exporter's DCGM_FI_DEV_GPU_UTIL (mean over the GPUs, percent → 0..1) as gpu_utilization and \
        DCGM_FI_DEV_FB_USED / (FB_USED + FB_FREE) of the fullest GPU as gpu_memory_utilization; the inference \
        server's queue gauge as queue_depth and the P95 of the requests finished since the previous scrape, from its \
        latency histogram, as latency_p95_seconds; a players gauge as active_players; and EC2's spot \
        instance-action (IMDSv2) as spot_interruption_notice. A source that does not answer, or a metric it does not \
        publish, leaves its fields unset (never zero) and is logged once; the agent keeps sampling. While the broker \
        is unreachable, samples wait in a buffer of --buffer worth of sampling (oldest dropped and counted when \
        full) and are sent in order when it returns. SIGTERM stops sampling and sends what is buffered.
        """)

    @Option(help: "The tier this instance serves: gold, silver or bronze.") var tier: String
    @Option(help: ArgumentHelp("This instance's id (default: asked of the instance metadata service, else the host name).",
                               valueName: "id"))
    var instanceID: String?
    @Option(help: ArgumentHelp("dcgm-exporter's metrics, e.g. http://127.0.0.1:9400/metrics (default: no GPU readings).",
                               valueName: "url"))
    var dcgmURL: String?
    @Option(help: ArgumentHelp("The inference server's Prometheus metrics, e.g. http://127.0.0.1:8000/metrics.", valueName: "url"))
    var inferenceURL: String?
    @Option(help: ArgumentHelp(
        "Which server --inference-url is: vllm (vllm:num_requests_waiting, vllm:e2e_request_latency_seconds), tgi "
            + "(tgi_queue_size, tgi_request_duration), triton (nv_inference_pending_request_count; give "
            + "--latency-histogram for latency) or custom (name the metrics).",
        valueName: "server"))
    var inferenceServer = InferenceServer.custom.rawValue
    @Option(help: ArgumentHelp("The queue-depth gauge, instead of the server's (its series are summed).", valueName: "name"))
    var queueMetric: String?
    @Option(help: ArgumentHelp("The request-latency histogram (base name, without _bucket), instead of the server's.",
                               valueName: "name"))
    var latencyHistogram: String?
    @Option(help: ArgumentHelp(
        "The unit of the histogram's bounds: seconds, milliseconds or microseconds (default: from the name's suffix "
            + "_ms or _us, else seconds).", valueName: "unit"))
    var latencyUnit: String?
    @Option(help: ArgumentHelp("The active-players gauge (default: none).", valueName: "name"))
    var playersMetric: String?
    @Option(help: ArgumentHelp("Where --players-metric is served (default: --inference-url).", valueName: "url"))
    var playersURL: String?
    @Option(help: ArgumentHelp("EC2's instance metadata service (IMDSv2), or `off`.", valueName: "url"))
    var imdsURL = "http://169.254.169.254"
    @Option(help: ArgumentHelp("Time between samples, e.g. 10s.", valueName: "duration")) var interval = "10s"
    @Option(help: ArgumentHelp("How long each source has to answer, e.g. 2s.", valueName: "duration")) var scrapeTimeout = "2s"
    @Option(help: ArgumentHelp("How much sampling to keep while the broker is unreachable, e.g. 30m.", valueName: "duration"))
    var buffer = "30m"
    @OptionGroup(title: "Kafka") var kafka: KafkaOptions
    @Option(help: "Port for /healthz, /readyz and /metrics; 0 turns them off (default: $ANNALS_HTTP_PORT or 9464).")
    var httpPort: Int?
    @Option(help: "Address the HTTP endpoints bind to.") var httpHost = "0.0.0.0"
    @OptionGroup(title: "Logging") var logging: LoggingOptions
    @Option(help: ArgumentHelp(
        "YAML file of settings by option name, e.g. `interval: 10s`; flags and environment variables win over it "
            + "(default: $ANNALS_CONFIG).",
        valueName: "file"))
    var config: String?

    public static let environmentVariables = KafkaOptions.environmentVariables
        .merging(LoggingOptions.environmentVariables) { first, _ in first }
        .merging(["http-port": ["ANNALS_HTTP_PORT"], "config": ["ANNALS_CONFIG"]]) { first, _ in first }
    public static let loggerLabel = "annals.metrics-agent"

    public init() {}

    public func validate() throws {
        _ = try settings()
    }

    /// The settings as given, or every problem with them.
    func settings() throws -> AgentSettings {
        guard let tier = Tier.scaled.first(where: { $0.name == self.tier.lowercased() }) else {
            throw ValidationError("--tier \(self.tier): use gold, silver or bronze")
        }
        guard let server = InferenceServer(rawValue: inferenceServer.lowercased()) else {
            throw ValidationError("--inference-server \(inferenceServer): use vllm, tgi, triton or custom")
        }
        let unit = try latencyUnit.map { name in
            guard let unit = LatencyUnit(rawValue: name.lowercased()) else {
                throw ValidationError("--latency-unit \(name): use seconds, milliseconds or microseconds")
            }
            return unit
        }
        let settings = AgentSettings(
            tier: tier, instanceID: instanceID, dcgmURL: dcgmURL, inferenceURL: inferenceURL,
            queueMetric: inferenceURL == nil ? nil : queueMetric ?? server.queueMetric,
            latencyHistogram: inferenceURL == nil ? nil : latencyHistogram ?? server.latencyHistogram,
            latencyUnit: unit, playersMetric: playersMetric, playersURL: playersURL,
            imdsURL: ["off", "none", ""].contains(imdsURL.lowercased()) ? nil : imdsURL,
            interval: try DurationText.parse(interval, option: "--interval"),
            scrapeTimeout: try DurationText.parse(scrapeTimeout, option: "--scrape-timeout"),
            bufferSpan: try DurationText.parse(buffer, option: "--buffer"))
        let problems = settings.problems
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
        return settings
    }

    public func run() async throws {
        let logger = Logger(label: Self.loggerLabel)
        // Before any instrument is made: instruments made before the backend is installed would record nowhere.
        let registry = PrometheusBootstrap.registry
        let settings = try settings()
        let kafka = try kafka.kafkaConfig()
        let httpPort = try WorkerOptions.port(httpPort)
        let report = SettingsReport.current
        logger.info("settings", metadata: [
            "tier": "\(settings.tier.name)", "instance-id": "\(settings.instanceID ?? "from IMDS, else the host name")",
            "dcgm": "\(settings.dcgmURL ?? "none")", "inference": "\(settings.inferenceURL ?? "none")",
            "queue-metric": "\(settings.queueMetric ?? "none")", "latency-histogram": "\(settings.latencyHistogram ?? "none")",
            "latency-unit": "\(settings.latencyUnit.rawValue)", "players-metric": "\(settings.playersMetric ?? "none")",
            "players": "\(settings.playersURL ?? settings.inferenceURL ?? "none")", "imds": "\(settings.imdsURL ?? "off")",
            "interval": "\(settings.interval)", "scrape-timeout": "\(settings.scrapeTimeout)",
            "buffer-samples": "\(settings.bufferCapacity)", "kafka": "\(kafka)",
            "http": "\(httpPort == 0 ? "off" : "\(httpHost):\(httpPort)")",
            "config": "\(report.configPath ?? "none")", "sources": "\(report.sources.isEmpty ? "defaults" : report.sources)",
        ])
        let agent = try MetricsAgentService(settings: settings, kafka: kafka, logger: logger)
        var services: [any Service] = []
        if httpPort != 0 {
            let router = WorkerEndpoints.router(registry: registry) {
                let health = agent.snapshot
                return WorkerEndpoints.readinessResponse(failing: health.failing, fields: [
                    "\"sourcesAnswered\":\(health.sourcesAnswered)", "\"sourcesAsked\":\(health.sourcesAsked)",
                    "\"buffered\":\(health.buffered)", "\"dropped\":\(health.dropped)",
                ] + (health.lastPublishError.map { ["\"publishError\":\(WorkerEndpoints.jsonString($0))"] } ?? []))
            }
            services.append(WorkerEndpoints.service(router, host: httpHost, port: httpPort, logger: logger))
        }
        let group = ServiceGroup(services: services + [agent], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// Durations as people write them in flags: `500ms`, `10s`, `5m`, `1h`, or plain seconds.
enum DurationText {
    static func parse(_ text: String, option: String) throws -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600)]
        let (number, scale) = units.first { trimmed.hasSuffix($0.suffix) && Double(trimmed.dropLast($0.suffix.count)) != nil }
            .map { (Double(trimmed.dropLast($0.suffix.count)), $0.seconds) } ?? (Double(trimmed), 1)
        guard let number, number.isFinite, number >= 0, number * scale <= 31_536_000 else {
            throw ValidationError("\(option) \(text): use a duration such as 500ms, 10s, 5m or 1h")
        }
        return .milliseconds(Int64((number * scale * 1_000).rounded()))
    }
}

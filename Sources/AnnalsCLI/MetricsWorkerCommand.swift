import ArgumentParser
import Logging
import AnnalsMetrics
import MetricsProjection

/// `annals-metrics-worker`: projects metric-sample into the metrics schema, runs the autoscaling policy in event
/// time and publishes its decisions to scale-decision, until SIGTERM.
public struct MetricsWorkerCommand: WorkerCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-metrics-worker",
        abstract: "Project metric-sample into the metrics schema and publish the policy's decisions to scale-decision.",
        discussion: """
        Raw samples (idempotent by event id) and per-tier minute rollups (a late sample updates its minute) go to \
        metrics.samples and metrics.rollups. The policy runs over each tier's samples in event time, starting each \
        tier at its minimum; its state (metrics.autoscaler_state) and decisions (metrics.decisions) commit with the \
        checkpoint, so a restart resumes it exactly. Its /metrics shows each tier's newest closed minute (annals_fleet_*, \
        labelled tier) for alerting, with the desired capacity's cost per hour at the --prices table and the \
        --hourly-budget. New decisions are queued in metrics_outbox.decisions in the \
        same transaction and published to scale-decision (keyed by tier) after each commit; a decision committed \
        but not yet sent when a worker dies is sent when any worker starts, under the same decision id. Before its \
        first send a worker reads scale-decision back and records what is there as sent, so a worker rebuilding \
        into an empty database does not publish past decisions again. \
        `annals replay metrics` reads the policy from ANNALS_POLICY_FILE: give it the worker's file. SIGTERM \
        finishes the batch in flight, commits, publishes its decisions and exits 0.
        """)

    @OptionGroup var worker: WorkerOptions
    @OptionGroup(title: "Scale policy") var policy: PolicyOptions
    @OptionGroup(title: "Cost") var cost: CostOptions

    public static let environmentVariables = WorkerOptions.environmentVariables
        .merging(PolicyOptions.environmentVariables) { first, _ in first }
        .merging(CostOptions.environmentVariables) { first, _ in first }
    public static let loggerLabel = "annals.metrics-worker"

    public init() {}

    public func run() async throws {
        let logger = Logger(label: Self.loggerLabel)
        let settings = try policy.loadLogging(to: logger)
        let projection = MetricsProjection(settings: settings, queuesDecisions: true)
        let publisher = try DecisionPublisher(
            databaseURL: worker.connection.databaseConninfo, kafka: try worker.connection.kafkaConfig(), logger: logger)
        let fleet = FleetGauges(databaseURL: try worker.connection.databaseConninfo, policy: settings,
                                prices: try PriceTable.defaults(overriddenBy: cost.prices), hourlyBudget: cost.hourlyBudget, logger: logger)
        try await worker.run(projection, logger: logger, settings: ["policy-version": "\(ScalePolicy.version(settings: settings))"],
                             alongside: [publisher, fleet], onCommit: { _ in
                                 publisher.wake()
                                 fleet.wake()
                             })
    }
}

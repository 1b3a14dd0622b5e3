import ArgumentParser
import Logging
import Scaling

/// `annals-scaling-worker`: projects scale-decision into the scaling schema and carries the desired capacities out
/// with an actuator, until SIGTERM.
public struct ScalingWorkerCommand: WorkerCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-scaling-worker",
        abstract: "Project scale-decision into scaling.decisions and scaling.capacity, and set each tier's capacity.",
        discussion: """
        Every decision is kept once (by decision id); a tier's capacity comes from its newest decision (latest \
        decided_at, ties broken by decision id), so an older decision arriving late never replaces a newer one. \
        After each committed batch, and every --actuation-poll-ms, the worker sets each tier's target to its \
        desired capacity with the actuator: dry-run (the default) only logs and records; ecs calls UpdateService \
        on the tier's service; asg calls SetDesiredCapacity on the tier's Auto Scaling group. AWS calls are \
        signed with Signature V4 using AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Every \
        attempt is recorded in scaling_actuation.attempts and the last decision carried out per target in \
        scaling_actuation.applied; failures are retried with backoff. Those two tables are not part of the \
        projection: `annals replay scaling` rebuilds scaling.* and never re-actuates. With several workers, one \
        actuates and the others stand by; each takeover moves the leadership epoch on \
        (scaling_actuation.leadership), a leader deposed mid-call records nothing as applied, and a worker taking \
        over from one cut off sets every target again once that one's calls can no longer land (4 × \
        --aws-timeout-ms). SIGTERM lets the call in flight finish and be recorded, finishes the \
        batch in flight, commits and exits 0.
        """)

    @OptionGroup var worker: WorkerOptions
    @OptionGroup(title: "Actuation") var actuation: ActuatorOptions

    public static let environmentVariables = WorkerOptions.environmentVariables
        .merging(ActuatorOptions.environmentVariables) { first, _ in first }
    public static let loggerLabel = "annals.scaling-worker"

    public init() {}

    public func run() async throws {
        let logger = Logger(label: Self.loggerLabel)
        let (actuator, summary) = try actuation.makeActuator(logger: logger)
        let settings = try actuation.actuationSettings()
        var metadata = summary
        metadata["actuation-poll-ms"] = "\(actuation.actuationPollMs)"
        metadata["retry-ms"] = "\(actuation.retryInitialMs)…\(actuation.retryMaxMs)"
        let service = ActuationService(actuator: actuator, databaseURL: try worker.connection.databaseConninfo,
                                       settings: settings, logger: Logger(label: "annals.scaling-actuation"))
        try await worker.run(ScalingProjection(), logger: logger, settings: metadata, alongside: [service],
                             onCommit: { _ in service.capacityMayHaveChanged() })
    }
}

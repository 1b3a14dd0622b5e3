import ArgumentParser
import Logging
import Projection

/// The options every worker takes, for a worker command defined outside this module (the test tooling's
/// `annals-probe-worker`): the same flags, environment variables and settings file as `annals-story-worker`, and
/// the same run (HTTP endpoints, heartbeat, graceful shutdown).
public struct ProjectionWorkerOptions: ParsableArguments {
    @OptionGroup var worker: WorkerOptions

    /// The environment variables standing for these options (for `WorkerCommand.environmentVariables`).
    public static var environmentVariables: [String: [String]] { WorkerOptions.environmentVariables }

    public init() {}

    /// Runs `projection` until SIGTERM or SIGINT, as every worker does (consumer group default `annals-<name>`).
    public func run(_ projection: any Projection, logger: Logger) async throws {
        try await worker.run(projection, logger: logger)
    }
}

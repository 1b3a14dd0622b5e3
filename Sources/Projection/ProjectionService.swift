import Foundation
import Logging
import ServiceLifecycle

/// A projection worker as a ServiceLifecycle service: the runner loop on its own thread,
/// stopped gracefully (batch in flight committed, group left) on SIGTERM or cancellation.
public struct ProjectionService: Service {
    private let projection: any Projection
    private let configuration: RunnerConfiguration
    private let logger: Logger
    private let onCommit: @Sendable (CommittedBatch) -> Void
    private let health: RunnerHealth

    /// `onCommit` runs on the runner's thread after each committed batch; keep it short.
    /// `health` receives the runner's state for readiness probes.
    public init(projection: any Projection, configuration: RunnerConfiguration, logger: Logger,
                health: RunnerHealth = RunnerHealth(),
                onCommit: @escaping @Sendable (CommittedBatch) -> Void = { _ in }) {
        self.health = health
        self.projection = projection
        self.configuration = configuration
        self.logger = logger
        self.onCommit = onCommit
    }

    public func run() async throws {
        let stop = StopSignal()
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await Self.runOnThread(name: "annals-\(projection.name)") { [projection, configuration, logger, health, onCommit] in
                try ProjectionRunner(projection: projection, configuration: configuration, logger: logger, health: health,
                                     onCommit: onCommit)
                    .run(until: stop)
            }
        } onCancelOrGracefulShutdown: {
            logger.info("stop requested: finishing the batch in flight")
            stop.request()
        }
    }

    /// Runs blocking work on a dedicated thread, never on the cooperative pool.
    public static func runOnThread(name: String, _ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try work()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

extension ProjectionService: CustomStringConvertible, CustomReflectable {
    /// `ProjectionService(story)`: what ServiceLifecycle logs when it starts and stops the service.
    public var description: String { "ProjectionService(\(projection.name))" }

    public var customMirror: Mirror { Mirror(self, children: ["projection": projection.name], displayStyle: .struct) }
}

import Foundation
import Logging
import ServiceLifecycle

/// A projection worker as a ServiceLifecycle service: the runner loop on its own thread,
/// stopped gracefully (batch in flight committed, group left) on SIGTERM or cancellation.
public struct ProjectionService: Service {
    private let projection: any Projection
    private let configuration: RunnerConfiguration
    private let logger: Logger

    public init(projection: any Projection, configuration: RunnerConfiguration, logger: Logger) {
        self.projection = projection
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let stop = StopSignal()
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await Self.runOnThread(name: "annals-\(projection.name)") { [projection, configuration, logger] in
                try ProjectionRunner(projection: projection, configuration: configuration, logger: logger).run(until: stop)
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

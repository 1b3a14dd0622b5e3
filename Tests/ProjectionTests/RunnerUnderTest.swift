import Foundation
import Logging
import Projection
import Synchronization
import TestSupport

/// A `ProjectionRunner` on a thread of its own, as a worker runs it.
final class RunnerUnderTest: Sendable {
    let stop = StopSignal()
    private let outcome = Mutex<Result<Void, any Error>?>(nil)
    private let commits = Mutex(0)

    init(_ projection: any Projection, configuration: RunnerConfiguration, onCommit: @escaping @Sendable (Int) -> Void = { _ in }) {
        Thread { [self] in
            let runner = ProjectionRunner(
                projection: projection, configuration: configuration, logger: Logger(label: "runner-under-test"),
                onCommit: { [self] _ in onCommit(commits.withLock { $0 += 1; return $0 }) })
            let result = Result { try runner.run(until: stop) }
            outcome.withLock { $0 = result }
        }.start()
    }

    /// Nil while running; how `run` ended once it has.
    var ended: Result<Void, any Error>? { outcome.withLock { $0 } }

    /// Asks the runner to finish and waits for it.
    func stopAndWait() async throws {
        stop.request()
        try await waitUntil(timeout: .seconds(60), description: "the runner to stop") { ended != nil }
        try ended?.get()
    }
}

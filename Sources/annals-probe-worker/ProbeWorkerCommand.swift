import AnnalsCLI
import ArgumentParser
import Logging
import TestProbeProjection

/// Test tooling, never deployed: `annals-probe-worker` runs `ProbeProjection` (one row per apply in probe.applies, no
/// dedupe) like any worker, so the end-to-end guarantee tests see an event applied twice.
struct ProbeWorkerCommand: WorkerCommand {
    static let configuration = CommandConfiguration(
        commandName: "annals-probe-worker",
        abstract: "Test tooling: project story-event into probe.applies, one row per apply, with no dedupe.",
        discussion: """
        Every applied event adds a row (event_id, partition, offset), so a double apply shows as two rows. Same \
        options as the other workers; consumer group default annals-probe.
        """)

    @OptionGroup var worker: ProjectionWorkerOptions

    static let environmentVariables = ProjectionWorkerOptions.environmentVariables
    static let loggerLabel = "annals.probe-worker"

    init() {}

    func run() async throws {
        try await worker.run(ProbeProjection(), logger: Logger(label: Self.loggerLabel))
    }
}

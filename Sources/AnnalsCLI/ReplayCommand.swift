import ArgumentParser
import Foundation
import Logging
import Projection

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a projection's tables from offset 0 of its topics.",
        discussion: """
        --in-place drops the tables, checkpoints and dead letters in one transaction and rebuilds them up to \
        the high watermarks taken at start, showing progress. A running worker is fenced by the reset \
        checkpoints and carries on from the rebuilt state.

        metrics: the policy runs again over every sample with the settings in ANNALS_POLICY_FILE (give it the \
        worker's file, or the defaults apply), rebuilding metrics.decisions with the same decision ids. A replay \
        publishes nothing: the outbox (metrics_outbox.decisions) is not re-sent, and decisions the rebuild makes \
        are never published.
        """)

    @Argument(help: "The projection, e.g. story.") var projection: String
    @Flag(help: "Truncate and rebuild the live tables.") var inPlace = false
    @Option(help: "Most events per transaction.") var batchSize = 5_000
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        guard inPlace else {
            throw CLIError("only --in-place rebuilds are available in this version: run `annals replay \(projection) --in-place`")
        }
        let projection = try ProjectionCatalog.named(projection)
        let display = ProgressDisplay(label: projection.name)
        let result: RebuildProgress
        do {
            result = try ProjectionRebuild.inPlace(
                projection, kafka: try connection.kafkaConfig(), databaseURL: connection.databaseConninfo,
                settings: .init(maxBatch: batchSize), logger: Logger(label: "annals.replay"),
                progress: { display.show($0) })
        } catch let error as RebuildError {
            throw error
        } catch {
            throw CLIError("\(error)\nThe rebuild stopped part-way: run it again, or start the worker, which carries on "
                + "from the reset checkpoints.")
        }
        display.finish(result)
        print(String(format: "rebuilt %@ from offset 0: %lld messages in %.1fs (%.0f events/s)",
                     projection.name, result.done, result.elapsedSeconds, result.eventsPerSecond))
    }
}

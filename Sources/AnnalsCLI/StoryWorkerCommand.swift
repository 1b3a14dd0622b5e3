import ArgumentParser
import Logging
import Story

/// `annals-story-worker`: projects story-event into the story schema until SIGTERM.
public struct StoryWorkerCommand: WorkerCommand {
    public static let configuration = CommandConfiguration(
        commandName: "annals-story-worker",
        abstract: "Project story-event into story.events, story.worlds and story.sequence_gaps.",
        discussion: """
        Exactly-once effect: rows and checkpoints commit in one transaction. Scale out by running more \
        workers with the same --group. SIGTERM finishes the batch in flight, commits and exits 0.
        """)

    @OptionGroup var worker: WorkerOptions

    public static let environmentVariables = WorkerOptions.environmentVariables
    public static let loggerLabel = "annals.story-worker"

    public init() {}

    public func run() async throws {
        try await worker.run(StoryProjection(), logger: Logger(label: Self.loggerLabel))
    }
}

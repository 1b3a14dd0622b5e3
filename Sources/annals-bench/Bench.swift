import ArgumentParser

/// `annals-bench`: benchmarks that print figures. `story` (the default), `kb` and `embed`.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annals-bench",
        abstract: "Benchmarks of the Annals projections; they print figures and assert only correctness.",
        subcommands: [StoryBench.self, KnowledgeBaseBench.self, KnowledgeBaseReplayBench.self, EmbeddingBench.self],
        defaultSubcommand: StoryBench.self)
}

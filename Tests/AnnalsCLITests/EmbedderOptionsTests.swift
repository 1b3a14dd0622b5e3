@testable import AnnalsCLI
import Foundation
import KnowledgeBase
import RemoteEmbedding
import Testing

/// `--embedder` and its options: defaults, the environment, and combinations that cannot work.
@Suite struct EmbedderOptionsTests {
    static func embedder(_ arguments: [String], environment: [String: String] = [:], dimension: Int = 384) throws -> any Embedder {
        try EmbedderOptions.parse(arguments).makeEmbedder(dimension: dimension, environment: environment)
    }

    /// The `CLIError` message `body` throws.
    static func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func withNothingGivenTheHashingEmbedderIsUsed() throws {
        let embedder = try Self.embedder([], dimension: 256)
        #expect(embedder is HashingEmbedder)
        #expect(embedder.dimension == 256)
        #expect(embedder is any LocalEmbedder)
    }

    @Test func environmentChoosesTheOpenAIEmbedder() throws {
        let embedder = try Self.embedder([], environment: [
            "ANNALS_EMBEDDER": "openai", "ANNALS_EMBEDDING_MODEL": "nomic-embed-text",
            "ANNALS_EMBEDDING_URL": "http://127.0.0.1:11434/v1", "OPENAI_API_KEY": "sk-env",
        ], dimension: 768)
        let openAI = try #require(embedder as? OpenAIEmbedder)
        #expect(openAI.model == "nomic-embed-text" && openAI.dimension == 768 && !(embedder is any LocalEmbedder))
        #expect(openAI.settings.endpoint == "http://127.0.0.1:11434/v1/embeddings")
        #expect(openAI.settings.apiKey == .environment("OPENAI_API_KEY"))
        #expect(openAI.settings.batchSize == 64 && openAI.settings.requestTimeout == .seconds(30))
    }

    @Test func flagsOverrideTheEnvironment() throws {
        let embedder = try Self.embedder([
            "--embedder", "openai", "--embedding-model", "text-embedding-3-small", "--embedding-url", "https://llm.internal/v1",
            "--embedding-key-env", "KB_KEY", "--embedding-batch-size", "16", "--embedding-concurrency", "2",
            "--embedding-timeout-seconds", "2.5",
            "--embedding-max-attempts", "3", "--embedding-request-dimension",
        ], environment: ["ANNALS_EMBEDDER": "hashing", "ANNALS_EMBEDDING_MODEL": "other", "KB_KEY": "sk-flag"])
        let settings = try #require(embedder as? OpenAIEmbedder).settings
        #expect(settings.model == "text-embedding-3-small")
        #expect(settings.baseURL == "https://llm.internal/v1")
        #expect(settings.apiKey == .environment("KB_KEY"))
        #expect(settings.batchSize == 16 && settings.concurrentRequests == 2 && settings.requestTimeout == .milliseconds(2_500) && settings.maxAttempts == 3)
        #expect(settings.requestsDimension)
    }

    @Test func keyFileAndNoKeyChooseTheirSources() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kb-key-\(UUID().uuidString)")
        try "sk-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try Self.embedder(["--embedder", "openai", "--embedding-model", "m", "--embedding-key-file", file.path])
        #expect((fromFile as? OpenAIEmbedder)?.settings.apiKey == .file(file.path))
        let keyless = try Self.embedder(["--embedder", "openai", "--embedding-model", "m", "--embedding-no-key"])
        #expect((keyless as? OpenAIEmbedder)?.settings.apiKey == APIKeySource.none)
    }

    @Test func openAIWithoutAModelSaysHowToNameOne() {
        #expect(Self.message { try Self.embedder(["--embedder", "openai"], environment: ["OPENAI_API_KEY": "k"]) }
            == "--embedder openai needs a model: pass --embedding-model (e.g. text-embedding-3-small) or set ANNALS_EMBEDDING_MODEL")
    }

    @Test func openAIWithoutAKeySaysWhatToSet() {
        let message = Self.message { try Self.embedder(["--embedder", "openai", "--embedding-model", "m"]) }
        #expect(message.contains("set OPENAI_API_KEY or --embedding-key-file"))
    }

    @Test(arguments: ["--embedding-model=m", "--embedding-url=http://x/v1", "--embedding-no-key", "--embedding-batch-size=8"])
    func openAIFlagsWithTheHashingEmbedderAreRejected(flag: String) {
        let message = Self.message { try Self.embedder([flag]) }
        #expect(message.hasPrefix("\(flag.split(separator: "=")[0]) applies only to --embedder openai"))
    }

    @Test func openAIEnvironmentIsIgnoredByTheHashingEmbedder() throws {
        #expect(try Self.embedder([], environment: ["ANNALS_EMBEDDING_MODEL": "m"]) is HashingEmbedder)
    }

    @Test func twoKeySourcesAreRejected() {
        let message = Self.message {
            try Self.embedder(["--embedder", "openai", "--embedding-model", "m", "--embedding-key-file", "/k", "--embedding-no-key"])
        }
        #expect(message == "--embedding-key-file and --embedding-no-key contradict each other: choose one way to give the API key")
    }

    @Test func unknownEmbedderInTheEnvironmentIsNamed() {
        #expect(Self.message { try Self.embedder([], environment: ["ANNALS_EMBEDDER": "bert"]) }
            == "ANNALS_EMBEDDER=bert is not an embedder: set it to hashing or openai")
    }

    @Test(arguments: [["--embedding-batch-size", "0"], ["--embedding-concurrency", "0"], ["--embedding-timeout-seconds", "0"],
                      ["--embedding-timeout-seconds", "nan"], ["--embedding-max-attempts", "0"]])
    func outOfRangeNumbersAreRejected(option: [String]) {
        let message = Self.message {
            try Self.embedder(["--embedder", "openai", "--embedding-model", "m", "--embedding-no-key"] + option)
        }
        #expect(message.hasPrefix(option[0]))
    }

    @Test func helpListsEveryEmbeddingOption() {
        let help = EmbedderOptions.helpMessage(columns: 200)
        for option in ["--embedder <hashing|openai>", "--embedding-url <url>", "--embedding-model <name>",
                       "--embedding-key-env <name>", "--embedding-key-file <path>", "--embedding-no-key",
                       "--embedding-batch-size <n>", "--embedding-concurrency <n>", "--embedding-timeout-seconds <seconds>", "$ANNALS_EMBEDDER"] {
            #expect(help.contains(option), "help lacks \(option)")
        }
    }
}

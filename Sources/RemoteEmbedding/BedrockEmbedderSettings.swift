/// What `BedrockEmbedder` asks of Amazon Bedrock's Titan Text Embeddings v2, and how hard it tries. Where Bedrock is
/// (region, endpoint) and the credentials belong to the `AWSServiceClient` it is given.
public struct BedrockEmbedderSettings: Sendable, Equatable, CustomStringConvertible {
    /// Amazon Titan Text Embeddings v2.
    public static let titanTextEmbeddingsV2 = "amazon.titan-embed-text-v2:0"
    /// The vector sizes Titan Text Embeddings v2 makes.
    public static let dimensions = [256, 512, 1024]
    /// Titan's default, and the best for retrieval.
    public static let defaultDimension = 1024

    /// The model id in `/model/{modelId}/invoke` (a base model id, or the ARN of a provisioned model or inference
    /// profile of Titan Text Embeddings v2), and the embedder's `model` in the cache key.
    public var modelID: String
    /// Components of every vector: 256, 512 or 1024, sent as `dimensions`.
    public var dimension: Int
    /// Most InvokeModel calls in flight at once within one call to `embed` (one text per call).
    public var concurrentRequests: Int
    /// Attempts per text, the first included, before giving up.
    public var maxAttempts: Int
    /// Waits between attempts, unless Bedrock says how long with `Retry-After`.
    public var backoff: RetryBackoff
    /// Longest `Retry-After` honoured.
    public var retryAfterLimit: Duration

    /// Titan Text Embeddings v2 at 1024 dimensions, 4 calls at a time, 5 attempts, backoff from 0.5 s doubling to 8 s.
    public init(
        modelID: String = BedrockEmbedderSettings.titanTextEmbeddingsV2,
        dimension: Int = BedrockEmbedderSettings.defaultDimension,
        concurrentRequests: Int = 4,
        maxAttempts: Int = 5,
        backoff: RetryBackoff = RetryBackoff(),
        retryAfterLimit: Duration = .seconds(60)
    ) {
        self.modelID = modelID
        self.dimension = dimension
        self.concurrentRequests = concurrentRequests
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.retryAfterLimit = retryAfterLimit
    }

    /// Throws, saying what is allowed, when a setting cannot work: before any call, so a wrong dimension stops
    /// start-up instead of every document.
    public func validate() throws(BedrockEmbedderError) {
        guard Self.dimensions.contains(dimension) else {
            throw .invalidSettings("Titan Text Embeddings v2 makes vectors of 256, 512 or 1024 dimensions, not \(dimension): "
                + "use --dimension 1024, 512 or 256 (or ANNALS_KB_DIMENSION; unset, bedrock uses 1024)")
        }
        guard !modelID.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidSettings("no model id: leave --embedding-model unset for \(Self.titanTextEmbeddingsV2)")
        }
        if let problem = RetryLoop.problem(concurrentRequests: concurrentRequests, maxAttempts: maxAttempts, backoff: backoff,
                                           retryAfterLimit: retryAfterLimit) {
            throw .invalidSettings(problem)
        }
    }

    public var description: String {
        "bedrock model=\(modelID) dimension=\(dimension) concurrency=\(concurrentRequests) attempts=\(maxAttempts)"
    }
}

import Foundation

/// Everything `OpenAIEmbedder` needs to reach an OpenAI-compatible embeddings endpoint. Holds
/// where the API key comes from, never the key, so it is safe to print.
public struct OpenAIEmbedderSettings: Sendable, Equatable, CustomStringConvertible {
    /// OpenAI's API; any server that speaks the same `/embeddings` works (vLLM, Ollama, LiteLLM, TEI, …).
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// The API base; requests go to `<baseURL>/embeddings`.
    public var baseURL: String
    /// The model name sent with every request, and the embedder's `model` in the cache key.
    public var model: String
    /// Components of every vector; a response with any other count is an error.
    public var dimension: Int
    /// Whether to send `dimensions: dimension` (text-embedding-3-* can shorten their vectors;
    /// many other models and servers reject the field).
    public var requestsDimension: Bool
    /// Where the API key comes from.
    public var apiKey: APIKeySource
    /// Most texts per request.
    public var batchSize: Int
    /// Most requests in flight at once within one call to `embed`.
    public var concurrentRequests: Int
    /// Longest wait for one attempt, from sending the request to the last byte of the response.
    public var requestTimeout: Duration
    /// Attempts per batch, the first included, before giving up.
    public var maxAttempts: Int
    /// Waits between attempts, unless the server says how long with `Retry-After`.
    public var backoff: RetryBackoff
    /// Longest `Retry-After` honoured; a server asking for more is retried after this long.
    public var retryAfterLimit: Duration

    /// Settings with OpenAI's defaults: key from `OPENAI_API_KEY`, 64 texts per request, 4
    /// requests at a time, 30 s per attempt, 5 attempts, backoff from 0.5 s doubling to 8 s.
    public init(
        model: String,
        dimension: Int,
        baseURL: String = OpenAIEmbedderSettings.defaultBaseURL,
        requestsDimension: Bool = false,
        apiKey: APIKeySource = .openAIEnvironment,
        batchSize: Int = 64,
        concurrentRequests: Int = 4,
        requestTimeout: Duration = .seconds(30),
        maxAttempts: Int = 5,
        backoff: RetryBackoff = RetryBackoff(),
        retryAfterLimit: Duration = .seconds(60)
    ) {
        self.baseURL = baseURL
        self.model = model
        self.dimension = dimension
        self.requestsDimension = requestsDimension
        self.apiKey = apiKey
        self.batchSize = batchSize
        self.concurrentRequests = concurrentRequests
        self.requestTimeout = requestTimeout
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.retryAfterLimit = retryAfterLimit
    }

    /// Dimensions a `vector(n)` column can hold (pgvector's limit).
    public static let dimensionRange = 1...16_000

    /// The URL every request goes to: `<baseURL>/embeddings`.
    public var endpoint: String {
        String(baseURL.reversed().drop(while: { $0 == "/" }).reversed()) + "/embeddings"
    }

    /// Throws, saying what is allowed, when a setting cannot work.
    public func validate() throws(OpenAIEmbedderError) {
        guard let url = URLComponents(string: baseURL), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw .invalidSettings("embedding URL \(Self.redactingUserInfo(baseURL)) is not an http(s) URL: "
                + "give the API base, e.g. \(Self.defaultBaseURL) or http://127.0.0.1:11434/v1")
        }
        guard url.query == nil, url.fragment == nil else {
            throw .invalidSettings("embedding URL \(Self.redactingUserInfo(baseURL)) has a query or fragment: "
                + "give only the API base; requests go to <base>/embeddings")
        }
        guard !model.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidSettings("no model: name one, e.g. text-embedding-3-small")
        }
        guard Self.dimensionRange.contains(dimension) else {
            throw .invalidSettings("dimension \(dimension) is out of range: choose one from "
                + "\(Self.dimensionRange.lowerBound) to \(Self.dimensionRange.upperBound) (pgvector's limit)")
        }
        guard batchSize >= 1 else {
            throw .invalidSettings("batch size \(batchSize): send at least 1 text per request")
        }
        guard requestTimeout > .zero else {
            throw .invalidSettings("request timeout \(requestTimeout): give a positive timeout")
        }
        if let problem = RetryLoop.problem(concurrentRequests: concurrentRequests, maxAttempts: maxAttempts, backoff: backoff,
                                           retryAfterLimit: retryAfterLimit) {
            throw .invalidSettings(problem)
        }
    }

    /// The effective configuration, with any password in the URL hidden.
    public var description: String {
        "openai model=\(model) dimension=\(dimension)\(requestsDimension ? " (requested)" : "") "
            + "url=\(Self.redactingUserInfo(baseURL)) key=\(apiKey) batch-size=\(batchSize) "
            + "concurrency=\(concurrentRequests) "
            + "timeout=\(requestTimeout) attempts=\(maxAttempts)"
    }

    /// `url` with a password, if any, replaced.
    static func redactingUserInfo(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "redacted"
        return components.string ?? url
    }
}

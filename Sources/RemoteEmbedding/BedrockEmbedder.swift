import AWSSupport
import Foundation
import KnowledgeBase
import Logging

/// An `Embedder` backed by Amazon Bedrock's Titan Text Embeddings v2: `POST /model/{modelId}/invoke` on
/// `bedrock-runtime`, signed with Signature V4 (signing name `bedrock`) by the `AWSServiceClient` it is given, which
/// holds the region, the endpoint and the credentials (environment or ECS task role).
///
/// Titan embeds one text per call, so `embed` runs up to `settings.concurrentRequests` calls at once and gives the
/// vectors back in input order. Each call follows the OpenAI embedder's rules (`ResponseDisposition`, `RetryLoop`):
/// retried with backoff, or as long as `Retry-After` asks, when throttled (429 ThrottlingException), unavailable
/// (503), failing on the server's side (500, ModelErrorException), timed out or unreachable; failed at once when
/// invalid (400 ValidationException) or refused (403 AccessDeniedException, a signature mismatch).
///
/// Not a `LocalEmbedder`, so the projection embeds through the embedding cache, keyed by (model id, dimension, text
/// hash). Its errors say what the projection should do (`BedrockEmbedderError.failureKind`).
public struct BedrockEmbedder: Embedder {
    public let settings: BedrockEmbedderSettings
    /// Where Bedrock is and how requests are signed.
    public let client: AWSServiceClient
    private let logger: Logger

    /// The model id: the cache key is (model, dimension, text hash).
    public var model: String { settings.modelID }
    /// 256, 512 or 1024; every returned vector is checked against it.
    public var dimension: Int { settings.dimension }

    /// An embedder for `settings` calling `client` (signing name `bedrock`); invalid settings throw now, at start-up.
    public init(settings: BedrockEmbedderSettings, client: AWSServiceClient,
                logger: Logger = Logger(label: "annals.bedrock-embedder")) throws(BedrockEmbedderError) {
        try settings.validate()
        self.settings = settings
        self.client = client
        self.logger = logger
    }

    /// One vector per text, in input order; no call at all for no texts. The first text that fails fails the whole
    /// and cancels the calls in flight.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await ConcurrentRequests.map(count: texts.count, limit: settings.concurrentRequests) { index in
            try await embedOne(texts[index])
        }
    }

    /// One text, attempted up to `maxAttempts` times; each attempt signed afresh.
    private func embedOne(_ text: String) async throws -> [Float] {
        let body = try BedrockWire.body(text: text, dimension: settings.dimension)
        return try await retryLoop.run({ () async throws -> AttemptOutcome<[Float]> in
            let response: AWSServiceClient.Response
            do throws(AWSFailure) {
                response = try await client.post(pathSegments: ["model", settings.modelID, "invoke"],
                                                 headers: Self.headers, body: body, operation: operation)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                guard error.kind == .transient else { throw BedrockEmbedderError.credentialsUnavailable(error.message) }
                return .retryable(RetryableFailure(cause: error.message, retryAfter: nil))
            }
            let said = AWSErrorResponse(response)
            switch ResponseDisposition(status: response.status, errorCode: said.code) {
            case .accept:
                return .success(try BedrockWire.vector(from: response.body, dimension: settings.dimension, modelID: settings.modelID))
            case .fail:
                throw rejection(said)
            case .retry:
                return .retryable(RetryableFailure(
                    cause: Self.summary(said),
                    retryAfter: ResponseDisposition.retryAfter(status: response.status,
                                                               header: response.headers.first(name: "Retry-After"))))
            }
        }, gaveUp: { attempts, last in
            BedrockEmbedderError.gaveUp(attempts: attempts, endpoint: client.endpoint.description, lastFailure: last)
        })
    }

    private static let headers = [("Content-Type", "application/json"), ("Accept", "application/json")]

    private var operation: String { "Bedrock InvokeModel \(settings.modelID)" }

    private var retryLoop: RetryLoop {
        RetryLoop(maxAttempts: settings.maxAttempts, backoff: settings.backoff, retryAfterLimit: settings.retryAfterLimit,
                  endpoint: client.endpoint.description, logger: logger)
    }

    private func rejection(_ said: AWSErrorResponse) -> BedrockEmbedderError {
        let message = Self.cut(said.message ?? "(no message)")
        if said.blamesCredentials {
            return .credentialsRefused(
                status: said.status, code: said.code, message: message,
                advice: client.credentials.credentialAdvice + "; the key's policy must allow bedrock:InvokeModel on "
                    + "\(settings.modelID), and the account must have access to the model in region \(client.region)")
        }
        return .rejected(status: said.status, code: said.code, message: message, modelID: settings.modelID,
                         region: client.region)
    }

    /// `HTTP 429 ThrottlingException (Too many requests)`.
    private static func summary(_ said: AWSErrorResponse) -> String {
        "HTTP \(said.status)" + (said.code.map { " \($0)" } ?? "") + " (\(cut(said.message ?? "no message")))"
    }

    /// Whitespace collapsed, at most 200 characters.
    private static func cut(_ text: String) -> String {
        let collapsed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return collapsed.count > 200 ? String(collapsed.prefix(200)) + "…" : collapsed
    }
}

extension BedrockEmbedder: CustomStringConvertible, CustomReflectable {
    /// The effective settings, credentials redacted.
    public var description: String {
        "\(settings) region=\(client.region) endpoint=\(client.endpoint) credentials=\(client.credentials) "
            + "timeout=\(client.timeout)"
    }

    /// Only what `description` shows: a `dump` must not walk into the client's credentials.
    public var customMirror: Mirror { Mirror(self, children: ["settings": settings, "endpoint": client.endpoint.description]) }
}

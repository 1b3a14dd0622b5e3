import AsyncHTTPClient
import HTTPClientSupport
import Foundation
import KnowledgeBase
import Logging
import NIOCore
import NIOHTTP1

/// An `Embedder` backed by any OpenAI-compatible `POST <base>/embeddings` endpoint
/// (OpenAI, Azure-style proxies, vLLM, Ollama, LiteLLM, text-embeddings-inference).
///
/// Texts go out in batches of `settings.batchSize`, up to `settings.concurrentRequests` at a
/// time; the vectors come back in input order whatever order the server lists them in. A batch is retried, with
/// backoff or as long as `Retry-After` asks, after a timeout, a connection error, 408, 409,
/// 429 or 5xx; any other status fails at once. The API key travels only in the
/// `Authorization: Bearer` header and is redacted from every error and log line.
///
/// Not a `LocalEmbedder`, so the projection embeds through the embedding cache, keyed by
/// (model, dimension, text hash): a remote vector costs far more than a lookup. Its errors say
/// what the projection should do (`OpenAIEmbedderError.failureKind`).
///
/// HTTP client lifecycle: by default the embedder uses `HTTPClient.shared`, the process-wide
/// client that is never shut down, so an embedder can be copied, dropped or outlive a task
/// without leaking connections and without a `shutdown()` anyone could forget (a client that
/// is not shut down traps in debug builds). Timeouts are per attempt, so the shared client's
/// configuration does not matter. Pass your own client for a proxy or custom TLS; then its
/// lifetime, and its shutdown, are yours.
public struct OpenAIEmbedder: Embedder {
    /// How this embedder reaches the server.
    public let settings: OpenAIEmbedderSettings
    private let key: APIKey?
    private let httpClient: HTTPClient
    private let logger: Logger

    /// The settings' model name: the cache key is (model, dimension, text hash).
    public var model: String { settings.model }
    /// The settings' dimension; every returned vector is checked against it.
    public var dimension: Int { settings.dimension }

    /// An embedder for `settings`, reading the API key now (from `environment` or the key file)
    /// so that a missing key stops start-up instead of the first batch.
    public init(
        settings: OpenAIEmbedderSettings,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "annals.openai-embedder")
    ) throws(OpenAIEmbedderError) {
        try settings.validate()
        self.settings = settings
        self.key = try settings.apiKey.resolve(environment: environment)
        self.httpClient = httpClient
        self.logger = logger
    }

    /// One vector per text, in input order; no request at all for no texts. Batches go out
    /// `settings.concurrentRequests` at a time; the first batch that fails fails the call and
    /// cancels the others.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let batches = stride(from: 0, to: texts.count, by: settings.batchSize).map {
            Array(texts[$0..<min($0 + settings.batchSize, texts.count)])
        }
        return try await ConcurrentRequests.map(count: batches.count, limit: settings.concurrentRequests) { index in
            try await embedBatch(batches[index])
        }.flatMap { $0 }
    }

    /// One batch, attempted up to `maxAttempts` times.
    private func embedBatch(_ texts: [String]) async throws -> [[Float]] {
        let body = try requestBody(texts)
        return try await retryLoop.run({ () async throws -> AttemptOutcome<[[Float]]> in
            switch try await send(body) {
            case .timedOut:
                return .retryable(RetryableFailure(cause: "no response within \(settings.requestTimeout)", retryAfter: nil))
            case .transport(let description):
                return .retryable(RetryableFailure(cause: "connection failed: \(description)", retryAfter: nil))
            case .response(let status, let retryAfterHeader, let bytes):
                switch ResponseDisposition(status: status) {
                case .accept:
                    return .success(try EmbeddingsWire.vectors(from: bytes, inputCount: texts.count,
                                                               dimension: settings.dimension, model: settings.model))
                case .fail:
                    throw rejection(status: status, message: serverMessage(bytes))
                case .retry:
                    return .retryable(RetryableFailure(
                        cause: "HTTP \(status) (\(serverMessage(bytes)))",
                        retryAfter: ResponseDisposition.retryAfter(status: status, header: retryAfterHeader)))
                }
            }
        }, gaveUp: { attempts, last in
            OpenAIEmbedderError.gaveUp(attempts: attempts, endpoint: printableEndpoint, lastFailure: last)
        })
    }

    private var retryLoop: RetryLoop {
        RetryLoop(maxAttempts: settings.maxAttempts, backoff: settings.backoff, retryAfterLimit: settings.retryAfterLimit,
                  endpoint: printableEndpoint, logger: logger)
    }

    /// What one attempt came back with.
    private enum Exchange: Sendable {
        case response(status: Int, retryAfter: String?, body: Data)
        case timedOut
        case transport(String)
    }

    /// The JSON body of one batch, encoded once and resent as it is on every attempt. Encoding
    /// strings and an integer cannot fail; an error would be JSONEncoder's own.
    private func requestBody(_ texts: [String]) throws -> ByteBuffer {
        let request = EmbeddingsWire.Request(model: settings.model, input: texts,
                                             dimensions: settings.requestsDimension ? settings.dimension : nil)
        return ByteBuffer(bytes: try request.encoded())
    }

    /// One attempt, bounded by `requestTimeout` from the first byte sent to the last byte received.
    private func send(_ body: ByteBuffer) async throws -> Exchange {
        let deadline = ContinuousClock.now + settings.requestTimeout
        do {
            // The client's own deadline ends with the response head and, when it passes while
            // connecting, reports the connection error rather than a bare timeout.
            let response = try await httpClient.execute(httpRequest(body), deadline: .now() + TimeAmount(settings.requestTimeout))
            guard let bytes = try await response.body.collect(upTo: responseByteLimit, until: deadline) else {
                return .timedOut
            }
            return .response(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                             body: Data(bytes.readableBytesView))
        } catch let error as HTTPClientError where Self.timeouts.contains(error) {
            return .timedOut
        } catch is NIOTooManyBytesError {
            throw OpenAIEmbedderError.malformedResponse("the response is larger than \(responseByteLimit) bytes")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return .transport(redact("\(error)"))
        }
    }


    private func httpRequest(_ body: ByteBuffer) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: settings.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "annals")
        if let key {
            request.headers.add(name: "Authorization", value: "Bearer \(key.value)")
        }
        request.body = .bytes(body)
        return request
    }

    private static let timeouts: [HTTPClientError] = [
        .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
        .getConnectionFromPoolTimeout,
    ]

    /// Room for a full batch of vectors written as JSON decimals, and then some.
    private var responseByteLimit: Int {
        max(1 << 20, settings.batchSize * settings.dimension * 32)
    }

    private func rejection(status: Int, message: String) -> OpenAIEmbedderError {
        status == 401
            ? .unauthorized(endpoint: printableEndpoint, keySource: settings.apiKey.description, serverMessage: message)
            : .rejected(status: status, endpoint: printableEndpoint, model: settings.model, serverMessage: message)
    }

    private func serverMessage(_ body: Data) -> String {
        EmbeddingsWire.errorMessage(from: body, redacting: redact)
    }

    private func redact(_ text: String) -> String {
        key?.redact(text) ?? text
    }

    private var printableEndpoint: String {
        OpenAIEmbedderSettings.redactingUserInfo(settings.endpoint)
    }
}

extension OpenAIEmbedder: CustomStringConvertible, CustomReflectable {
    /// The effective settings, without the key.
    public var description: String { settings.description }

    /// Only the settings: a `dump` must not walk into the key or the HTTP client, whose
    /// connection pool holds request heads with the `Authorization` header.
    public var customMirror: Mirror { Mirror(self, children: ["settings": settings]) }
}

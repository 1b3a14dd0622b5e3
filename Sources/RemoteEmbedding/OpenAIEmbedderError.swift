import KnowledgeBase

/// Why the OpenAI-compatible embedder could not be built or could not embed; each message
/// says what failed and what to do. No case ever holds the API key: server messages pass
/// through redaction before they are stored.
public enum OpenAIEmbedderError: Error, Equatable, CustomStringConvertible, EmbedderFailure {
    /// The key's environment variable is unset or empty.
    case missingAPIKey(environmentVariable: String)
    /// The key file could not be read.
    case unreadableKeyFile(path: String, reason: String)
    /// The key file holds nothing but whitespace.
    case emptyKeyFile(path: String)
    /// The key contains spaces or control characters (`source` says where it came from, never what it is).
    case malformedAPIKey(source: String)
    /// A setting is out of range; the text says which and what is allowed.
    case invalidSettings(String)
    /// 401: the server did not accept the key.
    case unauthorized(endpoint: String, keySource: String, serverMessage: String)
    /// Another status that a retry would not change (400, 403, 404, 413, …).
    case rejected(status: Int, endpoint: String, model: String, serverMessage: String)
    /// The response had a different number of vectors from the number of inputs.
    case wrongVectorCount(expected: Int, received: Int)
    /// A vector had a different number of components from the configured dimension.
    case wrongDimension(expected: Int, received: Int, model: String)
    /// The response was not the embeddings JSON (or was too large).
    case malformedResponse(String)
    /// Every attempt failed with a retryable cause; `lastFailure` is the last one.
    case gaveUp(attempts: Int, endpoint: String, lastFailure: String)

    /// What the projection does about it: retry the batch later, dead-letter the document, or stop.
    public var failureKind: EmbedderFailureKind {
        switch self {
        case .gaveUp, .wrongVectorCount:
            // The server was unreachable, overloaded or confused for every attempt; it may recover.
            .transient
        case .rejected(let status, _, _, _) where Self.inputStatuses.contains(status):
            // The text itself: too long, too many tokens, not valid for the model. Note that a setting the
            // model refuses (say `dimensions`) also answers 400; then every document is refused in turn.
            .rejectedInput
        case .missingAPIKey, .unreadableKeyFile, .emptyKeyFile, .malformedAPIKey, .invalidSettings, .unauthorized,
             .rejected, .wrongDimension, .malformedResponse:
            // Wrong key, URL, model or dimension: nothing will work until the settings change.
            .configuration
        }
    }

    /// Statuses that blame the request's content rather than the settings: bad request, too large, unprocessable.
    static let inputStatuses: Set<Int> = [400, 413, 422]

    public var description: String {
        switch self {
        case .missingAPIKey(let variable):
            return "no API key for the embeddings server: environment variable \(variable) is unset or empty: "
                + "set \(variable) or --embedding-key-file (or --embedding-no-key for a local server that needs none)"
        case .unreadableKeyFile(let path, let reason):
            return "cannot read the embeddings API key file \(path) (\(reason)): check the path and its permissions"
        case .emptyKeyFile(let path):
            return "the embeddings API key file \(path) is empty: write the key into it"
        case .malformedAPIKey(let source):
            return "the embeddings API key from \(source) contains spaces or control characters: "
                + "store the bare key, without quotes or a \"Bearer\" prefix"
        case .invalidSettings(let text):
            return "invalid embedder settings: \(text)"
        case .unauthorized(let endpoint, let keySource, let message):
            return "the embeddings server at \(endpoint) refused the API key (HTTP 401: \(message)): "
                + "check the key in \(keySource), that it is not revoked, and that it belongs to this server"
        case .rejected(let status, let endpoint, let model, let message):
            return "the embeddings server at \(endpoint) rejected the request (HTTP \(status): \(message)): "
                + Self.advice(status: status, model: model)
        case .wrongVectorCount(let expected, let received):
            return "the embeddings server returned \(received) vectors for \(expected) inputs: "
                + "check that the endpoint is OpenAI-compatible and accepts a list of inputs"
        case .wrongDimension(let expected, let received, let model):
            return "model \(model) returned vectors of \(received) dimensions, but the embedding dimension is \(expected): "
                + "set the dimension to \(received) (and replay the knowledge base), or ask the server for \(expected) "
                + "with --embedding-request-dimension if the model supports it"
        case .malformedResponse(let text):
            return "the embeddings server's response is not the embeddings JSON (\(text)): "
                + "check that the URL points at an OpenAI-compatible /v1 base"
        case .gaveUp(let attempts, let endpoint, let last):
            return "gave up on the embeddings server at \(endpoint) after \(attempts) attempts; last: \(last): "
                + "check that the server is up and reachable, or raise the timeout"
        }
    }

    private static func advice(status: Int, model: String) -> String {
        switch status {
        case 400, 422: "check the model name (\(model)), the dimension and the input sizes"
        case 403: "the key has no access to model \(model) or to this project: check its permissions"
        case 404: "check the URL (requests go to <base>/embeddings, e.g. https://api.openai.com/v1) and the model \(model)"
        case 413: "the batch is too large for this server: lower the embedding batch size"
        default: "check the server's documentation for HTTP \(status)"
        }
    }
}

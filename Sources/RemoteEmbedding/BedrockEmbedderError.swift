import KnowledgeBase

/// Why the Bedrock embedder could not be built or could not embed; each message says what failed and what to do.
/// No case holds a credential: the signing key never leaves the `AWSServiceClient`, and Bedrock's messages do not
/// quote it.
public enum BedrockEmbedderError: Error, Equatable, CustomStringConvertible, EmbedderFailure {
    /// A setting is out of range; the text says which and what is allowed.
    case invalidSettings(String)
    /// The credentials could not be had (an unreadable token file, a task role endpoint refusing): `message` says why.
    case credentialsUnavailable(String)
    /// Bedrock refused the request's signature, key or permissions (401, 403, or a credential error code).
    case credentialsRefused(status: Int, code: String?, message: String, advice: String)
    /// Another answer a retry would not change (400 ValidationException, 404 ResourceNotFoundException, …).
    case rejected(status: Int, code: String?, message: String, modelID: String, region: String)
    /// The vector has a different number of components from the configured dimension.
    case wrongDimension(expected: Int, received: Int, modelID: String)
    /// The answer is not Titan's JSON, or holds a component that is not a finite number.
    case malformedResponse(String)
    /// Every attempt failed with a retryable cause; `lastFailure` is the last one.
    case gaveUp(attempts: Int, endpoint: String, lastFailure: String)

    /// What the projection does about it: retry the batch later, dead-letter the document, or stop.
    public var failureKind: EmbedderFailureKind {
        switch self {
        case .gaveUp:
            // Throttled, unavailable or unreachable for every attempt: it may recover.
            .transient
        case .rejected(let status, let code, _, _, _)
            where code == "ValidationException" || (code == nil && OpenAIEmbedderError.inputStatuses.contains(status)):
            // The text itself (too long for the model); the settings are validated at start-up.
            .rejectedInput
        case .invalidSettings, .credentialsUnavailable, .credentialsRefused, .rejected, .wrongDimension, .malformedResponse:
            // Wrong credentials, permissions, model, region or dimension: nothing works until the settings change.
            .configuration
        }
    }

    public var description: String {
        switch self {
        case .invalidSettings(let text):
            return "invalid Bedrock embedder settings: \(text)"
        case .credentialsUnavailable(let message):
            return "no AWS credentials to sign Bedrock requests with: \(message)"
        case .credentialsRefused(let status, let code, let message, let advice):
            return "Bedrock refused the request's AWS credentials (\(Self.said(status, code, message))): \(advice)"
        case .rejected(let status, let code, let message, let modelID, let region):
            return "Bedrock rejected the request to model \(modelID) (\(Self.said(status, code, message))): "
                + Self.advice(status: status, code: code, modelID: modelID, region: region)
        case .wrongDimension(let expected, let received, let modelID):
            return "model \(modelID) returned vectors of \(received) dimensions, but the embedding dimension is \(expected): "
                + "check that --embedding-model is Titan Text Embeddings v2, which honours `dimensions`"
        case .malformedResponse(let text):
            return "Bedrock's answer is not an embedding (\(text)): check --aws-endpoint and --embedding-model "
                + "(a Titan Text Embeddings v2 model)"
        case .gaveUp(let attempts, let endpoint, let last):
            return "gave up on Bedrock at \(endpoint) after \(attempts) attempts; last: \(last): if it was throttled, lower "
                + "--embedding-concurrency or raise the account's InvokeModel quota; otherwise check the network and the region"
        }
    }

    /// `HTTP 400 ValidationException: <message>`.
    private static func said(_ status: Int, _ code: String?, _ message: String) -> String {
        "HTTP \(status)" + (code.map { " \($0)" } ?? "") + ": \(message)"
    }

    private static func advice(status: Int, code: String?, modelID: String, region: String) -> String {
        switch (status, code) {
        case (_, "ValidationException"), (400, nil):
            "the text may be longer than the model takes (8,192 tokens for Titan Text Embeddings v2); otherwise check "
                + "--embedding-model and --dimension"
        case (404, _), (_, "ResourceNotFoundException"):
            "check --embedding-model (default \(BedrockEmbedderSettings.titanTextEmbeddingsV2)) and that region \(region) "
                + "offers it"
        case (_, "ServiceQuotaExceededException"):
            "the account's Bedrock quota is used up: raise it, or lower --embedding-concurrency"
        default:
            "check --embedding-model, --aws-region and --aws-endpoint"
        }
    }
}

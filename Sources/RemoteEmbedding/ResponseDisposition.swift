import Foundation

/// What an answer of an embeddings endpoint means for the request that got it: the one retry-or-fail decision of
/// every remote embedder (OpenAI-compatible servers, Bedrock).
enum ResponseDisposition: Equatable {
    /// 2xx: read the vectors.
    case accept
    /// Worth another attempt: 408 (request timeout), 409 (conflict, e.g. a model still
    /// loading), 429 (rate limited), every 5xx, and the error codes in `transientCodes` whatever their status.
    case retry
    /// The same request would fail again (400, 401, 403, 404, 413, 422, …): fail at once.
    case fail

    /// `errorCode` is the service's own name for the error, when it sends one (AWS's `X-Amzn-ErrorType`).
    init(status: Int, errorCode: String? = nil) {
        switch status {
        case 200..<300: self = .accept
        case 408, 409, 429, 500..<600: self = .retry
        default: self = errorCode.map(Self.transientCodes.contains) == true ? .retry : .fail
        }
    }

    /// Errors Bedrock names that pass by themselves, whatever status they come with: throttled, the model busy,
    /// loading, timing out or failing on the server's side (ModelErrorException is HTTP 424).
    static let transientCodes: Set<String> = [
        "ThrottlingException", "ServiceUnavailableException", "InternalServerException", "ModelErrorException",
        "ModelNotReadyException", "ModelTimeoutException",
    ]

    /// The wait a 429 or 503 asks for with `Retry-After: <seconds>`; nil for other statuses,
    /// a missing header, or the HTTP-date form (the backoff applies then).
    static func retryAfter(status: Int, header: String?) -> Duration? {
        guard status == 429 || status == 503,
              let header, let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}

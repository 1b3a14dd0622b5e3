import Foundation

/// What an HTTP status from the embeddings endpoint means for the request that got it.
enum ResponseDisposition: Equatable {
    /// 2xx: read the vectors.
    case accept
    /// Worth another attempt: 408 (request timeout), 409 (conflict, e.g. a model still
    /// loading), 429 (rate limited) and every 5xx.
    case retry
    /// The same request would fail again (400, 401, 403, 404, 413, 422, …): fail at once.
    case fail

    init(status: Int) {
        switch status {
        case 200..<300: self = .accept
        case 408, 409, 429, 500..<600: self = .retry
        default: self = .fail
        }
    }

    /// The wait a 429 or 503 asks for with `Retry-After: <seconds>`; nil for other statuses,
    /// a missing header, or the HTTP-date form (the backoff applies then).
    static func retryAfter(status: Int, header: String?) -> Duration? {
        guard status == 429 || status == 503,
              let header, let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}

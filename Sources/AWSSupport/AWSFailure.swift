/// Why a call to AWS (or the fetch of its credentials) did not succeed; the message says what failed and what to do.
/// Callers map it to their own failure type (the scaling actuators to `ActuationFailure`, the Bedrock embedder to its
/// embedder error).
public struct AWSFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// Whether the same request may succeed later as it is.
    public enum Kind: String, Sendable {
        /// Throttled, timed out, unreachable or a server error: worth retrying with backoff.
        case transient
        /// Refused (unknown resource, denied, invalid): the settings or the target must change first.
        case rejected
    }

    public var kind: Kind
    /// What failed and what to do; never holds a secret.
    public var message: String
    /// The service's error code, e.g. `ThrottlingException`, when it sent one.
    public var code: String?
    /// The HTTP status, when there was a response.
    public var status: Int?

    public init(_ kind: Kind, _ message: String, code: String? = nil, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.status = status
    }

    public var description: String { message }
}

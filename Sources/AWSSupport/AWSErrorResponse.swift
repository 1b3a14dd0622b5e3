import Foundation

/// What an AWS error response says, from the JSON protocols (`__type`, `message`), the Query protocol's XML
/// (`<Code>`, `<Message>`) or the `X-Amzn-ErrorType` header; and what that means for the caller.
public struct AWSErrorResponse: Equatable, Sendable {
    public var status: Int
    /// The error code without its namespace, e.g. `ServiceNotFoundException`.
    public var code: String?
    public var message: String?

    public init(status: Int, code: String?, message: String?) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// What `response` says.
    public init(_ response: AWSServiceClient.Response) {
        self.init(status: response.status, errorTypeHeader: response.headers.first(name: "X-Amzn-ErrorType"), body: response.body)
    }

    /// Reads the code and message from whichever place the service put them.
    public init(status: Int, errorTypeHeader: String?, body: [UInt8]) {
        self.status = status
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            code = (object["__type"] as? String ?? object["code"] as? String).map(Self.bareCode)
            message = object["message"] as? String ?? object["Message"] as? String
        } else if text.contains("<Code>") {
            code = Self.element("Code", in: text).map(Self.bareCode)
            message = Self.element("Message", in: text)
        }
        if code == nil, let header = errorTypeHeader, !header.isEmpty { code = Self.bareCode(header) }
        if message?.isEmpty == true { message = nil }
    }

    /// Codes meaning "slow down": retried with backoff.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "BandwidthLimitExceeded",
    ]

    /// Codes of conditions that pass by themselves: retried with backoff.
    static let passingCodes: Set<String> = [
        "ServerException", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalError",
        "RequestTimeout", "RequestTimeoutException", "ScalingActivityInProgress", "ResourceContention",
        "UpdateInProgressException", "IDPCommunicationError",
    ]

    /// Codes blaming the credentials, their permissions or the clock.
    static let credentialCodes: Set<String> = [
        "UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature",
        "MissingAuthenticationToken", "ExpiredToken", "ExpiredTokenException", "AccessDenied", "AccessDeniedException",
        "AuthFailure", "InvalidSignatureException", "RequestExpired", "UnauthorizedOperation",
    ]

    /// Throttled, a server error, or a condition that passes.
    public var isTransient: Bool {
        if let code, Self.throttlingCodes.contains(code) || Self.passingCodes.contains(code) { return true }
        return status == 429 || status >= 500
    }

    public var isThrottling: Bool {
        status == 429 || code.map(Self.throttlingCodes.contains) == true
    }

    /// A refusal that may be the credentials' fault: worth signing again with renewed ones.
    public var blamesCredentials: Bool {
        status == 401 || status == 403 || code.map(Self.credentialCodes.contains) == true
    }

    /// What to check about credentials taken from the environment.
    public static let environmentCredentialAdvice = "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, "
        + "that the key may make this call, the region, and that this machine's clock is right"

    /// The failure to report for `operation` (e.g. `ECS UpdateService for gold (cluster/service)`); `advice` says
    /// what to check when the target refused the request for a reason other than the credentials, `credentialAdvice`
    /// what to check when it blames them.
    public func failure(operation: String, advice: String,
                 credentialAdvice: String = environmentCredentialAdvice) -> AWSFailure {
        let said = "HTTP \(status)" + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        if isThrottling {
            return AWSFailure(.transient, "\(operation) was throttled (\(said)): retrying with backoff",
                                    code: code, status: status)
        }
        if isTransient {
            return AWSFailure(.transient, "\(operation) failed (\(said)): the service should recover; retrying with backoff",
                                    code: code, status: status)
        }
        if blamesCredentials {
            return AWSFailure(.rejected, "\(operation) was refused (\(said)): \(credentialAdvice)", code: code, status: status)
        }
        return AWSFailure(.rejected, "\(operation) was refused (\(said)): \(advice)", code: code, status: status)
    }

    /// `com.amazonaws.ecs#ServiceNotFoundException` and `ServiceNotFoundException:http://…` → `ServiceNotFoundException`.
    static func bareCode(_ code: String) -> String {
        var bare = Substring(code)
        if let hash = bare.lastIndex(of: "#") { bare = bare[bare.index(after: hash)...] }
        if let colon = bare.firstIndex(of: ":") { bare = bare[..<colon] }
        return String(bare).trimmingCharacters(in: .whitespaces)
    }

    /// The raw contents of every `<name>…</name>` element, in order (entities left as they are).
    public static func elements(_ name: String, in xml: Substring) -> [Substring] {
        var found: [Substring] = []
        var rest = xml
        while let open = rest.range(of: "<\(name)>"), let close = rest.range(of: "</\(name)>", range: open.upperBound..<rest.endIndex) {
            found.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// The text of the first `<name>…</name>` element, with XML's predefined entities decoded.
    public static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
              let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return decodeEntities(String(xml[open.upperBound..<close.lowerBound]))
    }

    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

import Foundation
import Hummingbird

/// A request the API refuses or cannot answer, rendered as JSON:
/// `{"error":{"code":"invalid_parameter","message":"…","parameter":"k"}}`.
///
/// Messages name what was wrong and never carry server internals: a database failure says the database is
/// unavailable, and the details go to the log.
public struct APIError: HTTPResponseError, Equatable {
    /// Machine-readable kinds; extensible.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidParameter = Code(rawValue: "invalid_parameter")
        public static let notFound = Code(rawValue: "not_found")
        public static let rateLimited = Code(rawValue: "rate_limited")
        public static let unauthorized = Code(rawValue: "unauthorized")
        public static let unavailable = Code(rawValue: "unavailable")
        public static let internalError = Code(rawValue: "internal")
        public static let methodNotAllowed = Code(rawValue: "method_not_allowed")
    }

    public var status: HTTPResponse.Status
    public var code: Code
    public var message: String
    /// The query or path parameter at fault, for `invalid_parameter`.
    public var parameter: String?
    /// Seconds to wait before retrying, sent as `Retry-After`.
    public var retryAfterSeconds: Int?
    /// The challenge of a `401`, sent as `WWW-Authenticate`.
    public var wwwAuthenticate: String?

    public init(status: HTTPResponse.Status, code: Code, message: String, parameter: String? = nil,
                retryAfterSeconds: Int? = nil, wwwAuthenticate: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
        self.retryAfterSeconds = retryAfterSeconds
        self.wwwAuthenticate = wwwAuthenticate
    }

    /// 400: `parameter` is missing or unusable; `message` says what is allowed.
    public static func invalid(_ parameter: String, _ message: String) -> APIError {
        APIError(status: .badRequest, code: .invalidParameter, message: message, parameter: parameter)
    }

    /// 404 naming what was looked for.
    public static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: .notFound, message: message)
    }

    /// 503: the database or a projection's tables are not there; retry later.
    public static func unavailable(_ message: String) -> APIError {
        APIError(status: .serviceUnavailable, code: .unavailable, message: message, retryAfterSeconds: 5)
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var parameter: String?
        }
        var error: Detail
    }

    /// The JSON body.
    var body: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Body(error: .init(code: code.rawValue, message: message, parameter: parameter)))) ?? Data()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if let wwwAuthenticate { headers[.wwwAuthenticate] = wwwAuthenticate }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

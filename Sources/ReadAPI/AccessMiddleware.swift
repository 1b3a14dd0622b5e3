import Dispatch
import Hummingbird
import Metrics
import NIOConcurrencyHelpers

/// Who a request comes from and whether it may go ahead, in that order:
/// 1. the client's address: the peer's, or `X-Forwarded-For`'s when the peer is a trusted proxy (`ClientAddress`);
/// 2. with tokens configured, its bearer token (`APITokens`): none or a wrong one is `401` with `WWW-Authenticate`,
///    after the attempt is counted against the address's rate limit, so guessing is throttled too;
/// 3. its rate limit (`RateLimiter`): by token name with a token, else by address; beyond it `429` and `Retry-After`.
/// The operational endpoints (`/healthz`, `/readyz`, `/metrics`) pass untouched; the web page and `/openapi.json`
/// need no token.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    private let trustedProxies: TrustedProxies
    private let tokens: APITokens?
    private let defaultLimit: RateLimit?
    private let limiter = NIOLockedValueBox(RateLimiter())
    private let limited = Counter(label: "annals_api_rate_limited_total")
    private let missingToken = Counter(label: "annals_api_unauthorized_total", dimensions: [("reason", "missing")])
    private let invalidToken = Counter(label: "annals_api_unauthorized_total", dimensions: [("reason", "invalid")])
    private static let operational: Set<String> = ["/healthz", "/readyz", "/metrics"]
    private static let withoutToken: Set<String> = ["/", "/openapi.json"]
    private static let forwardedFor = HTTPFields.Element.Name("X-Forwarded-For")!
    private static let realm = "Bearer realm=\"annals-api\""

    init(settings: ReadAPISettings) {
        trustedProxies = settings.trustedProxies
        tokens = settings.tokens
        defaultLimit = settings.rateLimit
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !Self.operational.contains(path) else { return try await next(request, context) }
        let peer = context.remoteAddress?.ipAddress.flatMap { IPAddress($0) }
        let client = ClientAddress.resolve(peer: peer, forwardedFor: request.headers[values: Self.forwardedFor], trusted: trustedProxies)
        let byAddress = "address \(ClientAddress.rateLimitKey(client))", shownAddress = client?.description ?? "unknown"
        guard let tokens, !Self.withoutToken.contains(path) else {
            try admit(byAddress, limit: defaultLimit, shown: shownAddress)
            return try await next(request, context)
        }
        let authentication = tokens.authenticate(request.headers[values: .authorization])
        if case .granted(let name, let limit) = authentication {
            try admit("token \(name)", limit: limit ?? defaultLimit, shown: "token \(name)")
            return try await next(request, context)
        }
        try admit(byAddress, limit: defaultLimit, shown: shownAddress)
        if case .invalid(let reason) = authentication {
            invalidToken.increment()
            throw APIError(status: .unauthorized, code: .unauthorized, message: "the bearer token was refused: \(reason)",
                           wwwAuthenticate: "\(Self.realm), error=\"invalid_token\"")
        }
        missingToken.increment()
        throw APIError(status: .unauthorized, code: .unauthorized,
                       message: "a bearer token is required: send Authorization: Bearer <token>", wwwAuthenticate: Self.realm)
    }

    /// Takes a token from `key`'s bucket, or throws the 429 (nothing to do without a limit).
    private func admit(_ key: String, limit: RateLimit?, shown: String) throws {
        guard let limit else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard case .limited(let seconds) = limiter.withLockedValue({ $0.admit(key, limit: limit, now: now) }) else { return }
        limited.increment()
        throw APIError(status: .tooManyRequests, code: .rateLimited,
                       message: "too many requests from \(shown): retry after \(seconds) s", retryAfterSeconds: seconds)
    }
}

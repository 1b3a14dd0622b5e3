import Dispatch
import Hummingbird
import Metrics
import NIOConcurrencyHelpers

/// Refuses a client's requests beyond its `RateLimiter` bucket with `429` and `Retry-After`. Clients are told
/// apart by their address (without the port); the operational endpoints are never limited.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    private let limiter: NIOLockedValueBox<RateLimiter>
    private let limited = Counter(label: "annals_api_rate_limited_total")
    private static let exempt: Set<String> = ["/healthz", "/readyz", "/metrics"]

    init(ratePerSecond: Double, burst: Double) {
        limiter = NIOLockedValueBox(RateLimiter(ratePerSecond: ratePerSecond, burst: burst))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !Self.exempt.contains(request.uri.path) else { return try await next(request, context) }
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        let now = DispatchTime.now().uptimeNanoseconds
        switch limiter.withLockedValue({ $0.admit(client, now: now) }) {
        case .allowed:
            return try await next(request, context)
        case .limited(let seconds):
            limited.increment()
            throw APIError(status: .tooManyRequests, code: .rateLimited,
                           message: "too many requests from \(client): retry after \(seconds) s", retryAfterSeconds: seconds)
        }
    }
}

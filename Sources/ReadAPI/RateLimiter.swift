/// Per-client token buckets: each client may make `ratePerSecond` requests a second on average and `burst` at
/// once; pure (time is passed in).
public struct RateLimiter: Sendable {
    /// Whether a request may go ahead.
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; a token is back after this many seconds (at least 1).
        case limited(retryAfterSeconds: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updatedAt: UInt64
    }

    public let ratePerSecond: Double
    public let burst: Double
    /// Clients tracked before the idle ones (whose buckets have refilled) are forgotten.
    public let maxClients: Int
    private var buckets: [String: Bucket] = [:]

    /// `ratePerSecond` and `burst` must be positive (the command checks them).
    public init(ratePerSecond: Double, burst: Double, maxClients: Int = 10_000) {
        self.ratePerSecond = max(ratePerSecond, .leastNormalMagnitude)
        self.burst = max(burst, 1)
        self.maxClients = max(maxClients, 1)
    }

    /// Takes a token from `client`'s bucket at `now` (nanoseconds on a monotonic clock), or says how long to wait.
    public mutating func admit(_ client: String, now: UInt64) -> Decision {
        var bucket = buckets[client].map { refilled($0, now: now) } ?? Bucket(tokens: burst, updatedAt: now)
        defer {
            buckets[client] = bucket
            if buckets.count > maxClients { forgetIdle(now: now) }
        }
        guard bucket.tokens >= 1 else {
            let seconds = ((1 - bucket.tokens) / ratePerSecond).rounded(.up)
            return .limited(retryAfterSeconds: Int(min(max(seconds, 1), 3_600)))
        }
        bucket.tokens -= 1
        return .allowed
    }

    /// Clients currently tracked.
    public var trackedClients: Int { buckets.count }

    private func refilled(_ bucket: Bucket, now: UInt64) -> Bucket {
        let elapsed = Double(now >= bucket.updatedAt ? now - bucket.updatedAt : 0) / 1e9
        return Bucket(tokens: min(burst, bucket.tokens + elapsed * ratePerSecond), updatedAt: now)
    }

    /// Drops clients whose buckets are full again: they are indistinguishable from new ones. If that is not enough
    /// (a flood of distinct clients), drops the least recently seen half.
    private mutating func forgetIdle(now: UInt64) {
        buckets = buckets.filter { refilled($0.value, now: now).tokens < burst }
        if buckets.count > maxClients {
            let keep = buckets.sorted { $0.value.updatedAt > $1.value.updatedAt }.prefix(maxClients / 2)
            buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}

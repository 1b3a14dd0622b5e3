/// A rate: `perSecond` requests a second on average, `burst` at once.
public struct RateLimit: Sendable, Equatable {
    public var perSecond: Double
    public var burst: Double

    /// Both must be positive (the command checks them).
    public init(perSecond: Double, burst: Double) {
        self.perSecond = max(perSecond, .leastNormalMagnitude)
        self.burst = max(burst, 1)
    }
}

/// Token buckets, one per client key, each with the `RateLimit` its requests bring; pure (time is passed in).
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
        var limit: RateLimit
    }

    /// Clients tracked before the idle ones (whose buckets have refilled) are forgotten.
    public let maxClients: Int
    private var buckets: [String: Bucket] = [:]

    public init(maxClients: Int = 10_000) {
        self.maxClients = max(maxClients, 1)
    }

    /// Takes a token from `client`'s bucket at `now` (nanoseconds on a monotonic clock), or says how long to wait.
    /// The bucket follows `limit` from now on (a token file's new limit applies at once).
    public mutating func admit(_ client: String, limit: RateLimit, now: UInt64) -> Decision {
        var bucket = buckets[client].map { Self.refilled($0, now: now) } ?? Bucket(tokens: limit.burst, updatedAt: now, limit: limit)
        bucket.limit = limit
        bucket.tokens = min(bucket.tokens, limit.burst)
        defer {
            buckets[client] = bucket
            if buckets.count > maxClients { forgetIdle(now: now) }
        }
        guard bucket.tokens >= 1 else {
            let seconds = ((1 - bucket.tokens) / limit.perSecond).rounded(.up)
            return .limited(retryAfterSeconds: Int(min(max(seconds, 1), 3_600)))
        }
        bucket.tokens -= 1
        return .allowed
    }

    /// Clients currently tracked.
    public var trackedClients: Int { buckets.count }

    private static func refilled(_ bucket: Bucket, now: UInt64) -> Bucket {
        let elapsed = Double(now >= bucket.updatedAt ? now - bucket.updatedAt : 0) / 1e9
        return Bucket(tokens: min(bucket.limit.burst, bucket.tokens + elapsed * bucket.limit.perSecond), updatedAt: now,
                      limit: bucket.limit)
    }

    /// Drops clients whose buckets are full again: they are indistinguishable from new ones. If that is not enough
    /// (a flood of distinct clients), drops the least recently seen half.
    private mutating func forgetIdle(now: UInt64) {
        buckets = buckets.filter { Self.refilled($0.value, now: now).tokens < $0.value.limit.burst }
        if buckets.count > maxClients {
            let keep = buckets.sorted { $0.value.updatedAt > $1.value.updatedAt }.prefix(maxClients / 2)
            buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}

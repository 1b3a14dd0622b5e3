/// How long to wait between attempts: `initial`, doubling, at most `maximum`, optionally
/// with jitter so that many workers retrying at once spread out. Randomness is fine here:
/// delays are not projection state.
public struct RetryBackoff: Sendable, Equatable {
    /// The wait before the first retry.
    public var initial: Duration
    /// The longest wait between two attempts.
    public var maximum: Duration
    /// Whether a wait is drawn from [½ × delay, delay) instead of being exactly the delay.
    public var jitter: Bool

    /// The default: 0.5 s, 1 s, 2 s, 4 s, 8 s, 8 s, …, each with jitter.
    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(8), jitter: Bool = true) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The wait before retry number `retry` (1 for the retry after the first failure);
    /// `unitRandom` in [0, 1) picks the point within the jitter range.
    public func delay(beforeRetry retry: Int, unitRandom: Double) -> Duration {
        let doublings = min(max(retry - 1, 0), 62)
        let seconds = min(initial.seconds * Double(sign: .plus, exponent: doublings, significand: 1), maximum.seconds)
        let drawn = jitter ? seconds * (0.5 + 0.5 * min(max(unitRandom, 0), 1)) : seconds
        return .nanoseconds(Int64((drawn * 1e9).rounded()))
    }
}

extension Duration {
    /// This duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

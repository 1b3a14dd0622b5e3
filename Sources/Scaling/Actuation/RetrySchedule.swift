/// How long the actuation loop waits before trying a failed request again: `initial`, doubling with every
/// consecutive failure, at most `maximum`. A rejected request (the target refused it: unknown service, denied)
/// waits `maximum` at once, since only a change of settings or of the target can fix it.
public struct RetrySchedule: Sendable, Equatable {
    /// The wait after the first transient failure.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration

    /// 0.5 s, 1 s, 2 s, … up to 30 s.
    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = max(initial, .zero)
        self.maximum = max(maximum, self.initial)
    }

    /// The wait after `failures` consecutive failures (1 or more), the last of them of `kind`.
    public func delay(afterFailures failures: Int, kind: ActuationFailure.Kind) -> Duration {
        guard kind == .transient else { return maximum }
        guard initial > .zero else { return .zero }
        var delay = initial
        for _ in 1..<max(failures, 1) {
            delay = delay * 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}

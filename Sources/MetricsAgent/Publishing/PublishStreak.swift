/// The run of failed publish rounds: how long to wait before the next round (1 s after the first failure,
/// doubling to 30 s) and when an outage begins and ends, each said once however long it lasts.
public struct PublishStreak: Sendable, Equatable {
    /// What a round's outcome changed.
    public enum Change: Sendable, Equatable {
        /// The first failure after a success: the broker stopped taking samples.
        case outageBegan
        /// The first success after a failure: the broker takes samples again.
        case outageEnded
    }

    /// Failed rounds in a row, 0 after a success.
    public private(set) var failures = 0

    public init() {}

    /// Records a round's outcome; returns the change it makes, if any.
    public mutating func record(succeeded: Bool) -> Change? {
        let before = failures
        failures = succeeded ? 0 : before &+ 1
        switch (before, succeeded) {
        case (0, false): return .outageBegan
        case (1..., true): return .outageEnded
        default: return nil
        }
    }

    /// How long to wait before the next round: nothing after a success.
    public var retryDelay: Duration {
        failures == 0 ? .zero : .seconds(min(30, 1 << min(failures - 1, 5)))
    }
}

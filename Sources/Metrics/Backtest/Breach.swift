/// A run of consecutive minutes in which a tier's demand exceeded its capacity by more than the policy's
/// tolerance (``BacktestMinute/isBreach``): minutes in which the policy should have been scaling out.
public struct Breach: Sendable, Equatable {
    /// First minute of the run.
    public var start: Minute
    /// How many minutes the run lasted.
    public var minutes: Int
    /// Demand in the first minute.
    public var demandAtStart: Double
    /// Minutes from `start` to the first minute whose capacity covers `demandAtStart` (within the tolerance): the
    /// breach-to-scale-out time. Nil when capacity never got there (the demand fell first, or the tier hit its
    /// maximum).
    public var scaleOutAfterMinutes: Int?

    public init(start: Minute, minutes: Int, demandAtStart: Double, scaleOutAfterMinutes: Int?) {
        self.start = start
        self.minutes = minutes
        self.demandAtStart = demandAtStart
        self.scaleOutAfterMinutes = scaleOutAfterMinutes
    }
}

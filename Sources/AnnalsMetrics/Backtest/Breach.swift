/// A run of consecutive minutes in which a tier's demand exceeded its capacity by more than the policy's
/// tolerance (``BacktestMinute/isBreach``): minutes in which the policy should have been scaling out.
public struct Breach: Sendable, Equatable {
    /// First minute of the run.
    public var start: Minute
    /// How many minutes the run lasted.
    public var minutes: Int
    /// Highest demand of the run.
    public var peakDemand: Double
    /// The breach-to-scale-out time: for each minute of the run, the minutes until capacity first covers that
    /// minute's demand (within the tolerance); the longest of them. Nil when some minute's demand was never
    /// covered (the demand fell first, or the tier hit its maximum).
    public var scaleOutAfterMinutes: Int?

    public init(start: Minute, minutes: Int, peakDemand: Double, scaleOutAfterMinutes: Int?) {
        self.start = start
        self.minutes = minutes
        self.peakDemand = peakDemand
        self.scaleOutAfterMinutes = scaleOutAfterMinutes
    }
}

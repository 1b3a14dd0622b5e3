extension Int {
    /// `value` rounded up, held in `0...Int(Int32.max)` (NaN gives the top): instance counts are asked for in
    /// Int32 range, as ``MetricProposal/hpa(current:value:target:tolerance:)`` caps them.
    static func instances(roundingUp value: Double) -> Int {
        let rounded = value.rounded(.up)
        guard rounded < Double(Int32.max) else { return Int(Int32.max) }
        return Swift.max(0, Int(rounded))
    }
}

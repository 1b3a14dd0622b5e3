/// Integer arithmetic held at the type's bounds instead of trapping: event values (queue depths, times at the ends
/// of the range) and extreme settings meet in sums and products that must never stop a worker.
extension FixedWidthInteger {
    /// `self + other`, or the bound it overflowed past.
    func saturatingAdding(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self - other`, or the bound it overflowed past.
    func saturatingSubtracting(_ other: Self) -> Self {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other > 0 ? .min : .max
    }

    /// `self × other`, or the bound it overflowed past.
    func saturatingMultiplied(by other: Self) -> Self {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }
}

extension Int {
    /// `value` rounded up, held in `0...Int(Int32.max)` (NaN gives the top): instance counts are asked for in
    /// Int32 range, as ``MetricProposal/hpa(current:value:target:tolerance:)`` caps them.
    static func instances(roundingUp value: Double) -> Int {
        let rounded = value.rounded(.up)
        guard rounded < Double(Int32.max) else { return Int(Int32.max) }
        return Swift.max(0, Int(rounded))
    }
}

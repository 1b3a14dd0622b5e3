/// Integer arithmetic held at the type's bounds instead of trapping: event values (queue depths, times at the ends
/// of the range, counters already at their top) and extreme settings meet in sums and products that must never
/// stop a worker.
extension FixedWidthInteger {
    /// `self + other`, or the bound it overflowed past.
    public func saturatingAdding(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self - other`, or the bound it overflowed past.
    public func saturatingSubtracting(_ other: Self) -> Self {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other > 0 ? .min : .max
    }

    /// `self × other`, or the bound it overflowed past.
    public func saturatingMultiplied(by other: Self) -> Self {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }
}

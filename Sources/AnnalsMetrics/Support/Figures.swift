/// Numbers as the policy's reasons and the backtest chart print them: deterministic, locale-free, short.
enum Figures {
    /// `value` rounded to at most `decimals` places, without trailing zeros: 20.6, 0.82, 42.
    static func short(_ value: Double, decimals: Int = 2) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let scale = power10(decimals)
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return fixed(rounded, decimals: decimals).trimmingTrailingZeros()
    }

    /// `value` with exactly `decimals` places: 12.50 for (12.5, 2).
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "0" }
        let scale = power10(decimals)
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return String(value) }
        let whole = Int64(scaled)
        let unit = Int64(scale)
        let sign = value < 0 && whole != 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        let fraction = String(whole % unit)
        return sign + String(whole / unit) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    private static func power10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<max(0, min(n, 12)) { result *= 10 }
        return result
    }
}

extension String {
    fileprivate func trimmingTrailingZeros() -> String {
        guard contains(".") else { return self }
        var text = Substring(self)
        while text.hasSuffix("0") { text = text.dropLast() }
        if text.hasSuffix(".") { text = text.dropLast() }
        return String(text)
    }
}

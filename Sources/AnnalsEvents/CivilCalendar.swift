/// Dates from days since 1970-01-01 (proleptic Gregorian, UTC), without Foundation and without trapping on any
/// `Int64`: event times are printed in dead letters and minute labels whatever a producer sent.
public enum CivilCalendar {
    /// `a / b` rounded toward negative infinity (`b > 0`).
    public static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// `a` modulo `b` in `0..<b` for `b > 0`; never overflows, unlike `a - floorDivide(a, b) * b`.
    public static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        let remainder = a % b
        return remainder < 0 ? remainder + b : remainder
    }

    /// Year, month and day of `days` since the epoch, by Howard Hinnant's days-to-civil algorithm.
    public static func date(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days.addingReportingOverflow(719_468).partialValue
        let era = floorDivide(z, 146_097)
        let dayOfEra = floorModulo(z, 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra.addingReportingOverflow(era.multipliedReportingOverflow(by: 400).partialValue).partialValue
        return (year.addingReportingOverflow(month <= 2 ? 1 : 0).partialValue, month, day)
    }

    /// YYYY-MM-DD of `days` since the epoch; years 0 to 9999 get four digits.
    public static func dateText(days: Int64) -> String {
        let (year, month, day) = date(days: days)
        let yearText = year >= 0 && year < 10_000
            ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(yearText)-\(twoDigits(month))-\(twoDigits(day))"
    }

    /// `n` with a leading zero below 10.
    public static func twoDigits(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

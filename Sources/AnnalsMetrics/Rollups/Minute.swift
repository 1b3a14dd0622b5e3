import AnnalsEvents

/// One minute of event time in UTC, `[start, start + 60 s)`, counted in whole minutes since the Unix epoch.
///
/// A sample belongs to the minute containing its `sampled_at` truncated to microseconds (Postgres' resolution), so
/// SQL's `date_trunc('minute', sampled_at)` in a UTC session gives the same minute's start.
public struct Minute: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Minutes since 1970-01-01T00:00Z; negative before it.
    public var index: Int64

    /// Microseconds in a minute.
    public static let microseconds: Int64 = 60_000_000

    public init(index: Int64) {
        self.index = index
    }

    /// The minute containing the instant `microseconds` after the epoch.
    public init(containingMicroseconds microseconds: Int64) {
        index = Self.floorDivide(microseconds, Self.microseconds)
    }

    /// The minute containing `timestamp` (truncated to microseconds).
    public init(containing timestamp: EventTimestamp) {
        self.init(containingMicroseconds: timestamp.microsecondsSinceEpoch)
    }

    /// First microsecond of the minute (held at Int64's bounds for minutes past them).
    public var startMicroseconds: Int64 { index.saturatingMultiplied(by: Self.microseconds) }
    /// First microsecond after the minute: the start of the next one.
    public var endMicroseconds: Int64 { startMicroseconds.saturatingAdding(Self.microseconds) }
    /// The minute's start as a timestamp.
    public var start: EventTimestamp { Self.timestamp(microseconds: startMicroseconds) }
    /// The minute's end (exclusive) as a timestamp: the `window_end` of a decision made on it.
    public var end: EventTimestamp { Self.timestamp(microseconds: endMicroseconds) }

    /// The minute `minutes` later (earlier when negative), held at the first or last minute Int64 counts.
    public func advanced(by minutes: Int64) -> Minute { Minute(index: index.saturatingAdding(minutes)) }

    /// Whole minutes from `other` to `self`, held at Int64's bounds.
    public func minutes(since other: Minute) -> Int64 { index.saturatingSubtracting(other.index) }

    public static func < (lhs: Minute, rhs: Minute) -> Bool { lhs.index < rhs.index }

    /// ISO 8601 in UTC to the minute: `2026-03-01T18:05Z`.
    public var description: String {
        let (date, hour, minute) = civil
        return "\(date)T\(Self.two(hour)):\(Self.two(minute))Z"
    }

    /// Digits only, for identifiers: `202603011805`.
    public var compact: String {
        let (date, hour, minute) = civil
        return date.filter(\.isNumber) + Self.two(hour) + Self.two(minute)
    }

    /// A timestamp `microseconds` after the epoch.
    public static func timestamp(microseconds: Int64) -> EventTimestamp {
        var timestamp = EventTimestamp()
        timestamp.seconds = floorDivide(microseconds, 1_000_000)
        // The remainder taken directly: subtracting seconds × 10⁶ overflowed (and trapped) near Int64.min.
        timestamp.nanos = Int32(floorModulo(microseconds, 1_000_000)) * 1_000
        return timestamp
    }

    public init(from decoder: any Decoder) throws {
        index = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(index)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// `a` modulo `b` in `0..<b` for `b > 0`; never overflows, unlike `a - floorDivide(a, b) * b`.
    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        let remainder = a % b
        return remainder < 0 ? remainder + b : remainder
    }

    private static func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Date (YYYY-MM-DD), hour and minute in UTC, by Howard Hinnant's days-to-civil algorithm.
    private var civil: (String, Int64, Int64) {
        let days = Self.floorDivide(index, 1_440)
        let minuteOfDay = Self.floorModulo(index, 1_440)
        let z = days + 719_468
        let era = Self.floorDivide(z, 146_097)
        let dayOfEra = Self.floorModulo(z, 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let yearText = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return ("\(yearText)-\(Self.two(month))-\(Self.two(day))", minuteOfDay / 60, minuteOfDay % 60)
    }
}

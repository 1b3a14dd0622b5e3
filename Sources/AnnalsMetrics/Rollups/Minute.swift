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

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { CivilCalendar.floorDivide(a, b) }

    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 { CivilCalendar.floorModulo(a, b) }

    private static func two(_ n: Int64) -> String { CivilCalendar.twoDigits(n) }

    /// Date (YYYY-MM-DD), hour and minute in UTC.
    private var civil: (String, Int64, Int64) {
        let minuteOfDay = Self.floorModulo(index, 1_440)
        return (CivilCalendar.dateText(days: Self.floorDivide(index, 1_440)), minuteOfDay / 60, minuteOfDay % 60)
    }
}

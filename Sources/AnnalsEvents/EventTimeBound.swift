/// Whether an event's times are plausible against its record's Kafka timestamp; pure.
///
/// One event time dated years ahead (milliseconds sent as seconds, a broken clock) would otherwise advance a tier's
/// watermark for good, make every later sample late and outrank every later decision. The bound is what the log
/// holds, the record's timestamp, never the wall clock: a replay reads the same timestamps back and rejects the same
/// events. A record's timestamp is its producer's clock when sent (librdkafka stamps it) unless the producer sets one:
/// a producer would have to lie in both to get past this rule.
public enum EventTimeBound {
    /// Every event time of `event` that is not a valid timestamp, or lies more than `horizonSeconds` ahead of
    /// `recordTimestampMilliseconds` (no bound when the record has no timestamp). Empty when all are plausible.
    /// Checks `meta.occurred_at`, `sampled_at`, `decided_at` and `inputs.window_end`; never traps.
    public static func problems(in event: AnnalsEvent, recordTimestampMilliseconds: Int64?, horizonSeconds: Int64)
        -> [ValidationProblem] {
        let limit = recordTimestampMilliseconds.map { Limit(recordMilliseconds: $0, horizonSeconds: horizonSeconds) }
        return eventTimes(of: event).compactMap { field, time in problem(field, time, limit: limit) }
    }

    /// The event times a projection folds, by field name; absent ones left out.
    static func eventTimes(of event: AnnalsEvent) -> [(String, EventTimestamp)] {
        var times: [(String, EventTimestamp)] = []
        switch event {
        case .documentIngested(let e):
            if e.meta.hasOccurredAt { times.append(("meta.occurred_at", e.meta.occurredAt)) }
        case .storyEvent(let e):
            if e.meta.hasOccurredAt { times.append(("meta.occurred_at", e.meta.occurredAt)) }
        case .metricSample(let e):
            if e.meta.hasOccurredAt { times.append(("meta.occurred_at", e.meta.occurredAt)) }
            if e.hasSampledAt { times.append(("sampled_at", e.sampledAt)) }
        case .scaleDecision(let e):
            if e.meta.hasOccurredAt { times.append(("meta.occurred_at", e.meta.occurredAt)) }
            if e.hasDecidedAt { times.append(("decided_at", e.decidedAt)) }
            if e.inputs.hasWindowEnd { times.append(("inputs.window_end", e.inputs.windowEnd)) }
        }
        return times
    }

    /// The latest plausible instant, in microseconds since the epoch; `Int64.max` when it cannot be represented.
    struct Limit {
        var recordMicroseconds: Int64?
        var recordMilliseconds: Int64
        var horizonSeconds: Int64
        var latestMicroseconds: Int64

        init(recordMilliseconds: Int64, horizonSeconds: Int64) {
            self.recordMilliseconds = recordMilliseconds
            self.horizonSeconds = max(0, horizonSeconds)
            let record = recordMilliseconds.multipliedReportingOverflow(by: 1_000)
            recordMicroseconds = record.overflow ? nil : record.partialValue
            let horizon = self.horizonSeconds.multipliedReportingOverflow(by: 1_000_000)
            let latest = record.partialValue.addingReportingOverflow(horizon.partialValue)
            latestMicroseconds = record.overflow || horizon.overflow || latest.overflow ? .max : latest.partialValue
        }
    }

    private static func problem(_ field: String, _ time: EventTimestamp, limit: Limit?) -> ValidationProblem? {
        guard isValid(time) else {
            return ValidationProblem(field: field, problem: invalidity(time))
        }
        // Valid timestamps are within ±2.6e17 µs: no overflow.
        let micros = time.seconds * 1_000_000 + Int64(time.nanos / 1_000)
        guard let limit, micros > limit.latestMicroseconds else { return nil }
        let recordText = limit.recordMicroseconds.flatMap(iso8601(microseconds:)) ?? "\(limit.recordMilliseconds) ms"
        let difference = limit.recordMicroseconds.map { micros.subtractingReportingOverflow($0) }
        let ahead = difference.flatMap { $0.overflow ? nil : duration(seconds: $0.partialValue / 1_000_000) } ?? "far"
        return ValidationProblem(
            field: field,
            problem: "\(iso8601(time)) is \(ahead) ahead of the record's timestamp \(recordText) (more than the "
                + "\(limit.horizonSeconds) s horizon, --event-time-horizon-seconds); a producer clock or unit wrong?")
    }

    /// Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: proto3's Timestamp range.
    static let validSeconds: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// Within proto3's Timestamp range (years 1 to 9999) with nanos in 0..<1e9.
    static func isValid(_ time: EventTimestamp) -> Bool {
        validSeconds.contains(time.seconds) && (0..<1_000_000_000).contains(time.nanos)
    }

    private static func invalidity(_ time: EventTimestamp) -> String {
        guard (0..<1_000_000_000).contains(time.nanos) else {
            return "is not a valid timestamp: nanos \(time.nanos) outside 0 to 999,999,999"
        }
        var text = "is not a valid timestamp: \(time.seconds) s since the epoch is outside years 1 to 9999"
        if validSeconds.contains(time.seconds / 1_000) {
            text += " (\(iso8601(EventTimestamp(seconds: time.seconds / 1_000))) if milliseconds: milliseconds sent as seconds?)"
        } else if validSeconds.contains(time.seconds / 1_000_000) {
            text += " (\(iso8601(EventTimestamp(seconds: time.seconds / 1_000_000))) if microseconds: microseconds sent as seconds?)"
        }
        return text
    }

    /// "30 years", "12 days", "5 hours", "3601 s": whole units, rounded down.
    static func duration(seconds: Int64) -> String {
        let year: Int64 = 31_556_952, day: Int64 = 86_400, hour: Int64 = 3_600
        if seconds >= 2 * year { return "\(seconds / year) years" }
        if seconds >= 2 * day { return "\(seconds / day) days" }
        if seconds >= 2 * hour { return "\(seconds / hour) hours" }
        return "\(seconds) s"
    }

    /// A valid timestamp in ISO 8601, UTC, to the second: `2026-12-06T10:00:00Z`.
    static func iso8601(_ time: EventTimestamp) -> String {
        let days = floorDivide(time.seconds, 86_400)
        let secondOfDay = time.seconds - days * 86_400
        return "\(civilDate(days: days))T\(two(secondOfDay / 3_600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }

    /// `iso8601` of an instant in microseconds, nil outside the valid range.
    static func iso8601(microseconds: Int64) -> String? {
        let time = EventTimestamp(seconds: floorDivide(microseconds, 1_000_000))
        return isValid(time) ? iso8601(time) : nil
    }

    private static func two(_ n: Int64) -> String { CivilCalendar.twoDigits(n) }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { CivilCalendar.floorDivide(a, b) }

    private static func civilDate(days: Int64) -> String { CivilCalendar.dateText(days: days) }
}

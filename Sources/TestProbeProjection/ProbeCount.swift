import Postgres

/// What `probe.applies` holds: rows (applies) and distinct events. Exactly once means both equal the events published.
public struct ProbeCount: Equatable, Sendable, CustomStringConvertible {
    public var applies: Int
    public var events: Int

    public init(applies: Int, events: Int) {
        self.applies = applies
        self.events = events
    }

    /// Every event applied exactly once: `count` rows, each a distinct event.
    public static func exactlyOnce(_ count: Int) -> ProbeCount { ProbeCount(applies: count, events: count) }

    /// Reads the counts (zero before the table exists).
    public static func read(_ connection: PostgresConnection) throws -> ProbeCount {
        let exists = try connection.execute("SELECT to_regclass('probe.applies') IS NOT NULL AS present").rows.first
        guard try exists?.bool("present") == true else { return ProbeCount(applies: 0, events: 0) }
        let row = try connection.execute(
            "SELECT count(*) AS applies, count(DISTINCT event_id) AS events FROM probe.applies").rows.first
        return ProbeCount(applies: try row?.int("applies") ?? 0, events: try row?.int("events") ?? 0)
    }

    public var description: String { "\(applies) applies of \(events) distinct events" }
}

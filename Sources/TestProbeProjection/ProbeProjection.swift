import AnnalsEvents
import Postgres
import Projection

/// Test tooling, never deployed: a projection that inserts one row per applied event into `probe.applies`
/// (event id, partition, offset) with no event-id dedupe, so an event applied twice shows as two rows where a real
/// projection's idempotence would hide it. It consumes `story-event`. `failures` makes chosen applies throw first;
/// `gate` holds the first apply until opened.
public struct ProbeProjection: Projection {
    public let name = "probe"
    public let version: Int
    public let topics: [AnnalsTopic] = [.storyEvent]
    public let schema = "probe"
    public let tables = ["applies"]
    public let failures: ApplyFailures
    public let gate: ApplyGate?

    public init(version: Int = 1, failures: ApplyFailures = ApplyFailures(), gate: ApplyGate? = nil) {
        self.version = version
        self.failures = failures
        self.gate = gate
    }

    public func migrations(schema: String) -> [String] {
        ["CREATE TABLE IF NOT EXISTS \(quoteIdentifier(schema)).applies "
            + "(event_id text NOT NULL, \"partition\" integer NOT NULL, \"offset\" bigint NOT NULL)"]
    }

    public func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
        try failures.next()
        guard !events.isEmpty else { return }
        gate?.pass()
        try connection.execute(
            "INSERT INTO \(quoteIdentifier(schema)).applies SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[])",
            [.textArray(events.map { $0.event.meta.eventID }),
             .textArray(events.map { String($0.coordinates.partition) }),
             .textArray(events.map { String($0.coordinates.offset) })])
    }
}

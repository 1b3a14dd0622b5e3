import AnnalsEvents
import Dispatch
import Foundation
import Kafka
import Logging
import Postgres
import Projection
import Synchronization
import TestSupport

/// A projection for tests only: every apply inserts one row per event into `applies`, with no event-id dedupe, so
/// an event applied twice shows as two rows (a real projection's idempotence would hide it). It consumes
/// `story-event`. `failures` makes chosen applies throw first.
struct ProbeProjection: Projection {
    let name = "probe"
    let version: Int
    let topics: [AnnalsTopic] = [.storyEvent]
    let schema = "probe"
    let tables = ["applies"]
    let failures: ApplyFailures
    /// Holds the first apply until opened.
    let gate: ApplyGate?

    init(version: Int = 1, failures: ApplyFailures = ApplyFailures(), gate: ApplyGate? = nil) {
        self.version = version
        self.failures = failures
        self.gate = gate
    }

    func migrations(schema: String) -> [String] {
        ["CREATE TABLE IF NOT EXISTS \(quoteIdentifier(schema)).applies "
            + "(event_id text NOT NULL, \"partition\" integer NOT NULL, \"offset\" bigint NOT NULL)"]
    }

    func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws {
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

/// Which calls of `apply` throw, and what: calls are numbered from 1 across the projection's life.
final class ApplyFailures: Sendable {
    private let calls = Mutex(0)
    private let failing: ClosedRange<Int>?
    private let error: @Sendable () -> any Error

    init(calls failing: ClosedRange<Int>? = nil, error: @escaping @Sendable () -> any Error = { TransientFailure("probe") }) {
        self.failing = failing
        self.error = error
    }

    func next() throws {
        let call = calls.withLock { calls in
            calls += 1
            return calls
        }
        if let failing, failing.contains(call) { throw error() }
    }
}

/// Holds the first apply that reaches it (on the committer, inside the batch's transaction) until `open()`.
final class ApplyGate: Sendable {
    private let state = Mutex((reached: false, open: false))
    private let opened = DispatchSemaphore(value: 0)

    /// Whether an apply is waiting at the gate (or has passed it).
    var isReached: Bool { state.withLock { $0.reached } }

    func open() {
        state.withLock { $0.open = true }
        opened.signal()
    }

    func pass() {
        let wait = state.withLock { state -> Bool in
            defer { state.reached = true }
            return !state.reached && !state.open
        }
        if wait { opened.wait() }
    }
}

/// What the probe's table holds: rows (applies) and distinct events.
struct ProbeCount: Equatable {
    var applies: Int
    var events: Int

    static func read(_ connection: PostgresConnection) throws -> ProbeCount {
        let exists = try connection.execute("SELECT to_regclass('probe.applies') IS NOT NULL AS present").rows.first
        guard try exists?.bool("present") == true else { return ProbeCount(applies: 0, events: 0) }
        let row = try connection.execute("SELECT count(*) AS applies, count(DISTINCT event_id) AS events FROM probe.applies").rows.first
        return ProbeCount(applies: try row?.int("applies") ?? 0, events: try row?.int("events") ?? 0)
    }
}

/// A `ProjectionRunner` on a thread of its own, as a worker runs it.
final class RunnerUnderTest: Sendable {
    let stop = StopSignal()
    private let outcome = Mutex<Result<Void, any Error>?>(nil)
    private let commits = Mutex(0)

    init(_ projection: any Projection, configuration: RunnerConfiguration, onCommit: @escaping @Sendable (Int) -> Void = { _ in }) {
        Thread { [self] in
            let runner = ProjectionRunner(
                projection: projection, configuration: configuration, logger: Logger(label: "runner-under-test"),
                onCommit: { [self] _ in onCommit(commits.withLock { $0 += 1; return $0 }) })
            let result = Result { try runner.run(until: stop) }
            outcome.withLock { $0 = result }
        }.start()
    }

    /// Nil while running; how `run` ended once it has.
    var ended: Result<Void, any Error>? { outcome.withLock { $0 } }

    /// Asks the runner to finish and waits for it.
    func stopAndWait() async throws {
        stop.request()
        try await waitUntil(timeout: .seconds(60), description: "the runner to stop") { ended != nil }
        try ended?.get()
    }
}

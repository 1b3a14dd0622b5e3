import Dispatch
import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Keeps this worker's row in `annals.workers` current: every `interval` it writes the partitions `health` says are
/// assigned and the events per second committed on each over `window`; on stop it deletes the row. `annals status`
/// reads the rows to name each partition's owner and its throughput.
///
/// It runs on a thread and a database connection of its own, outside the batch transactions, so it can neither slow
/// nor break the runner: failures are logged and retried at the next beat, and the service only returns on shutdown.
public struct WorkerHeartbeat: Service {
    private let identity: WorkerIdentity
    private let databaseURL: String
    private let health: RunnerHealth
    private let interval: Duration
    private let window: Duration
    private let logger: Logger
    /// How long stopping waits for the row to be deleted: a database that does not answer must not hold up the exit.
    private static let goodbyeTimeout: Duration = .seconds(5)

    public init(identity: WorkerIdentity, databaseURL: String, health: RunnerHealth, interval: Duration = .seconds(5),
                window: Duration = .seconds(30), logger: Logger) {
        self.identity = identity
        self.databaseURL = databaseURL
        self.health = health
        self.interval = max(interval, .milliseconds(100))
        self.window = window
        self.logger = logger
    }

    public func run() async {
        let stop = HeartbeatStop()
        let finished = Completion()
        let loop = HeartbeatLoop(identity: identity, databaseURL: databaseURL, health: health,
                                 interval: Self.nanoseconds(interval), window: Self.nanoseconds(window), logger: logger)
        let thread = Thread {
            loop.run(until: stop)
            finished.finish()
        }
        thread.name = "annals-heartbeat"
        thread.start()
        await withTaskCancellationOrGracefulShutdownHandler {
            await finished.wait()
        } onCancelOrGracefulShutdown: {
            stop.request()
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(Self.nanoseconds(Self.goodbyeTimeout)))) {
                finished.finish()
            }
        }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(seconds, 0)) * 1_000_000_000 + UInt64(max(attoseconds, 0) / 1_000_000_000)
    }
}

/// The heartbeat's blocking side, on its own thread.
private final class HeartbeatLoop: Sendable {
    let identity: WorkerIdentity
    let databaseURL: String
    let health: RunnerHealth
    let interval: UInt64
    let window: UInt64
    let logger: Logger
    let store = WorkerStore()
    /// Rows of workers silent this long are deleted by the next worker of the projection to start.
    static let forgetAfterSeconds = 86_400

    init(identity: WorkerIdentity, databaseURL: String, health: RunnerHealth, interval: UInt64, window: UInt64, logger: Logger) {
        self.identity = identity
        self.databaseURL = databaseURL
        self.health = health
        self.interval = interval
        self.window = window
        self.logger = logger
    }

    func run(until stop: HeartbeatStop) {
        logger.info("heartbeat in annals.workers", metadata: [
            "worker": "\(identity.id)", "host": "\(identity.host)", "pid": "\(identity.pid)",
            "interval-ms": "\(interval / 1_000_000)",
        ])
        var throughput = ThroughputWindow(windowNanoseconds: window, start: Self.now())
        var connection: PostgresConnection?
        var failing = false
        var forgotten = false
        while true {
            let snapshot = health.snapshot
            throughput.record(snapshot.committedMessages, at: Self.now())
            let activity = WorkerPartitionActivity.of(snapshot.partitions, over: throughput)
            var retrySoon = false
            do {
                let db = try connection ?? PostgresConnection(conninfo: databaseURL)
                connection = db
                try store.beat(identity, intervalMilliseconds: Int(interval / 1_000_000), partitions: activity, connection: db)
                if !forgotten {
                    try store.forget(projection: identity.projection, silentFor: Self.forgetAfterSeconds, connection: db)
                    forgotten = true
                }
                if failing {
                    logger.info("heartbeat written again")
                    failing = false
                }
            } catch let error as PostgresError where error.sqlState == "42P01" {
                // annals.workers does not exist yet: the runner creates it when it migrates, moments after start.
                retrySoon = true
            } catch {
                if let db = connection, !db.isHealthy { connection = nil }
                if failing {
                    logger.debug("heartbeat still not written", metadata: ["error": "\(error)"])
                } else {
                    logger.warning("cannot write the heartbeat to annals.workers, will retry (status will show this worker as gone meanwhile)",
                                   metadata: ["error": "\(error)"])
                    failing = true
                }
            }
            if stop.wait(nanoseconds: retrySoon ? min(interval, 1_000_000_000) : interval) { break }
        }
        do {
            let db = try connection ?? PostgresConnection(conninfo: databaseURL)
            try store.remove(workerID: identity.id, connection: db)
        } catch {
            logger.warning("cannot delete the heartbeat from annals.workers: status will show this worker as gone once it is stale",
                           metadata: ["error": "\(error)"])
        }
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// Asks the heartbeat thread to stop, waking it from its wait between beats.
private final class HeartbeatStop: Sendable {
    private let requested = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    func request() {
        requested.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Waits up to `nanoseconds`; true once a stop was requested.
    func wait(nanoseconds: UInt64) -> Bool {
        if requested.load(ordering: .acquiring) { return true }
        _ = wake.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds)))
        return requested.load(ordering: .acquiring)
    }
}

/// Resumes one waiter once, whichever of the thread finishing or the goodbye timeout comes first.
private final class Completion: Sendable {
    private struct State {
        var done = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyDone = state.withLock { state in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if alreadyDone { continuation.resume() }
        }
    }

    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.done else { return nil }
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

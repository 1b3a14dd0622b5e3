import Foundation
import Logging
import Postgres
import Projection
import ServiceLifecycle

/// How the actuation loop paces itself.
public struct ActuationSettings: Sendable, Equatable {
    /// Longest time between two looks at the capacity table when no batch commits (a batch wakes it at once).
    public var poll: Duration
    /// Waits between attempts of a failed request.
    public var retry: RetrySchedule
    /// The projection's schema, read for the desired capacities.
    public var projectionSchema: String
    /// The schema of the attempts and applied tables.
    public var actuationSchema: String

    public init(poll: Duration = .seconds(1), retry: RetrySchedule = RetrySchedule(),
                projectionSchema: String = "scaling", actuationSchema: String = ActuationSQL.defaultSchema) {
        self.poll = poll
        self.retry = retry
        self.projectionSchema = projectionSchema
        self.actuationSchema = actuationSchema
    }
}

/// Carries out `scaling.capacity` on the outside world: for every tier whose newest decision its target has not had
/// yet, calls the actuator, records the attempt and, once it succeeds, the decision as applied. Failures are retried
/// with backoff; a newer decision replaces a failing older one; an older decision is never carried out over a newer
/// one. Only one worker per database actuates (an advisory lock); the others stand by. Each leadership term has an
/// epoch (see ``LeadershipTerm``): a leader deposed during a slow call records it as an attempt but not as applied,
/// and stands by; a leader taking over from one cut off sets every target again once that one's calls can no
/// longer land.
///
/// A ServiceLifecycle service: graceful shutdown lets the attempt in flight finish and be recorded, then returns.
public final class ActuationService: Service, Sendable {
    private let actuator: any Actuator
    private let settings: ActuationSettings
    private let logger: Logger
    private let database: ActuationDatabase
    private let sql: ActuationSQL
    private let projection: ScalingProjection
    private let doorbell = Doorbell()
    private let stop = StopSignal()
    /// The name this loop holds leadership under.
    private let holder: String

    public init(actuator: any Actuator, databaseURL: String, settings: ActuationSettings = ActuationSettings(),
                logger: Logger = Logger(label: "annals.scaling.actuation")) {
        self.actuator = actuator
        self.settings = settings
        self.logger = logger
        self.database = ActuationDatabase(conninfo: databaseURL)
        self.sql = ActuationSQL(schema: settings.actuationSchema)
        self.projection = ScalingProjection(schema: settings.projectionSchema, actuationSchema: settings.actuationSchema)
        self.holder = LeadershipTerm.holderName(host: ProcessInfo.processInfo.hostName,
                                                pid: ProcessInfo.processInfo.processIdentifier,
                                                instance: String(UUID().uuidString.prefix(8)).lowercased())
    }

    /// Look at the capacity table now rather than at the next poll: call it after a batch commits.
    public func capacityMayHaveChanged() {
        doorbell.ring()
    }

    public func run() async throws {
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await loop()
        } onCancelOrGracefulShutdown: { [stop, doorbell] in
            stop.request()
            doorbell.ring()
        }
        await database.close(sql)
        logger.info("actuation stopped")
    }

    /// What the loop carries from one pass to the next.
    private struct LoopState {
        var plan: ActuationPlan
        var migrated = false
        var standingBy = false
        var databaseFailures = 0
        /// Attempts made while the database was unreachable, written before anything else once it is back.
        var unrecorded: [ActuationAttempt] = []
        /// Tiers already reported as having no target.
        var untargeted: Set<String> = []
        /// The last term whose re-assert was recorded as finished.
        var reassertFinished: Int64?
    }

    private func loop() async throws {
        var state = LoopState(plan: ActuationPlan(schedule: settings.retry))
        while !stop.isRequested {
            let wait: Duration
            do {
                if !state.migrated {
                    try await database.run { [sql] in try sql.migrate(connection: $0) }
                    state.migrated = true
                }
                try await recordUnrecorded(&state)
                wait = try await pass(&state)
                if state.databaseFailures > 0 { logger.info("database reachable again: actuating") }
                state.databaseFailures = 0
            } catch let error as PostgresError where error.isConnectionError {
                state.databaseFailures += 1
                wait = RetrySchedule(initial: .milliseconds(200), maximum: .seconds(5))
                    .delay(afterFailures: state.databaseFailures, kind: .transient)
                logger.warning("database unavailable: actuation paused, will retry", metadata: [
                    "error": "\(error)", "retry-in": "\(wait)", "unrecorded-attempts": "\(state.unrecorded.count)",
                ])
            }
            await doorbell.wait(upTo: wait)
        }
        if !state.unrecorded.isEmpty {
            do {
                try await recordUnrecorded(&state)
            } catch {
                for attempt in state.unrecorded {
                    logger.error("stopping with an attempt the database did not take", metadata: [
                        "request": "\(attempt.request)", "attempt": "\(attempt.number)", "outcome": "\(attempt.outcome)",
                    ])
                }
            }
        }
    }

    private func recordUnrecorded(_ state: inout LoopState) async throws {
        while let attempt = state.unrecorded.first {
            let check = try await database.run { [sql] in try sql.record(attempt, connection: $0) }
            state.unrecorded.removeFirst()
            if case .superseded(let current) = check { await deposed(attempt, current: current, state: &state) }
        }
    }

    /// The term `attempt` was made in has been taken over: what it did is an attempt, not applied, and this loop
    /// stops acting until it wins the lock again.
    private func deposed(_ attempt: ActuationAttempt, current: Int64?, state: inout LoopState) async {
        logger.warning("lost leadership while a call was in flight: it is recorded as an attempt, not as applied; standing by", metadata: [
            "request": "\(attempt.request)", "attempt": "\(attempt.number)", "epoch": "\(attempt.epoch)",
            "current-epoch": "\(current.map(String.init) ?? "none")",
        ])
        if state.plan.term?.epoch == attempt.epoch || state.plan.term == nil {
            await database.resign()
            state.plan.end()
            state.standingBy = true
        }
    }

    /// One look at the tables and the due attempts; returns how long to wait before the next look.
    private func pass(_ state: inout LoopState) async throws -> Duration {
        guard let term = try await database.leadership(sql, holder: holder, longestCall: actuator.longestCall) else {
            if !state.standingBy { logger.info("another worker actuates: standing by") }
            state.standingBy = true
            state.plan.end()
            return settings.poll
        }
        if state.plan.term != term {
            state.plan.begin(term)
            var metadata: Logger.Metadata = ["epoch": "\(term.epoch)"]
            if let reassertAt = term.reassertAt {
                metadata["reassert-in"] = "\(ContinuousClock.now.duration(to: reassertAt))"
            }
            logger.info("\(state.standingBy ? "took over actuation" : "leading actuation")", metadata: metadata)
            if term.reassertAt != nil {
                logger.notice("the previous leader was cut off: every target is set to its newest decision again once its calls can no longer land",
                              metadata: metadata)
            }
        }
        state.standingBy = false
        let (capacity, applied) = try await database.run { [projection, sql, schema = settings.projectionSchema] connection in
            (try projection.capacity(schema: schema, connection: connection), try sql.applied(connection: connection))
        }
        for tier in capacity.map(\.tier) where actuator.target(forTier: tier) == nil && state.untargeted.insert(tier).inserted {
            logger.info("tier has no target for this actuator: its decisions are not carried out",
                        metadata: ["tier": "\(tier)", "actuator": "\(actuator.name)"])
        }
        let pending = state.plan.pending(capacity: capacity, applied: applied, target: actuator.target(forTier:), now: .now)
        state.plan.keepOnly(pending)
        for request in pending where state.plan.isDue(request, now: .now) {
            if stop.isRequested { break }
            guard try await attempt(request, epoch: term.epoch, state: &state) else { return .zero }
        }
        // Once every target has been set again, the next term need not do it (unless this one is cut off too).
        if let reassertAt = term.reassertAt, ContinuousClock.now >= reassertAt, state.reassertFinished != term.epoch,
           !state.plan.owesReassert(capacity: capacity, applied: applied, target: actuator.target(forTier:)) {
            try await database.run { [sql] in try sql.finishReassert(epoch: term.epoch, connection: $0) }
            state.reassertFinished = term.epoch
            logger.info("every target set again after the takeover", metadata: ["epoch": "\(term.epoch)"])
        }
        let now = ContinuousClock.now
        let untilWake = state.plan.nextWake(after: now).map { now.duration(to: $0) } ?? settings.poll
        return min(settings.poll, max(untilWake, .zero))
    }

    /// Calls the actuator once in the term `epoch` and records the attempt; if the database cannot take the record,
    /// keeps it for later and rethrows. Returns false when the term was found superseded.
    private func attempt(_ request: ActuationRequest, epoch: Int64, state: inout LoopState) async throws -> Bool {
        let number = try await database.run { [sql] in try sql.nextAttemptNumber(request, connection: $0) }
        let startedAt = Date()
        let started = ContinuousClock.now
        let outcome: Result<String, ActuationFailure>
        do throws(ActuationFailure) {
            outcome = .success(try await actuator.setDesiredCapacity(request))
        } catch {
            outcome = .failure(error)
        }
        let finishedAt = Date()
        var retryIn: Duration?
        switch outcome {
        case .success(let summary):
            state.plan.succeeded(request, startedAt: started)
            logger.info("capacity set", metadata: [
                "tier": "\(request.tier)", "target": "\(request.target)", "desired": "\(request.desired)",
                "decision": "\(request.stamp.decisionID)", "attempt": "\(number)", "response": "\(summary)",
            ])
        case .failure(let failure):
            let delay = state.plan.failed(request, kind: failure.kind, now: .now)
            retryIn = delay
            let metadata: Logger.Metadata = [
                "tier": "\(request.tier)", "target": "\(request.target)", "desired": "\(request.desired)",
                "decision": "\(request.stamp.decisionID)", "attempt": "\(number)", "error": "\(failure)",
                "retry-in": "\(delay)",
            ]
            if failure.kind == .transient {
                logger.warning("setting capacity failed, will retry", metadata: metadata)
            } else {
                logger.error("the target refused the capacity change; retrying at the longest backoff", metadata: metadata)
            }
        }
        let record = ActuationAttempt(request: request, epoch: epoch, number: number, startedAt: startedAt,
                                      finishedAt: finishedAt, outcome: outcome, retryIn: retryIn)
        let check: TermCheck
        do {
            check = try await database.run { [sql] in try sql.record(record, connection: $0) }
        } catch let error as PostgresError where error.isConnectionError {
            state.unrecorded.append(record)
            throw error
        }
        guard case .superseded(let current) = check else { return true }
        await deposed(record, current: current, state: &state)
        return false
    }
}

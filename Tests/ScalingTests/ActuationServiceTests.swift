import AnnalsEvents
import Foundation
import Logging
import Postgres
import Projection
import Scaling
import Synchronization
import TestSupport
import Testing

/// An actuator answering from a script, recording every call.
final class ScriptedActuator: Actuator {
    let name = "scripted"
    let longestCall: Duration = .zero
    private let script: @Sendable (ActuationRequest, Int) -> Result<String, ActuationFailure>
    private let log = Mutex<[ActuationRequest]>([])

    /// `script` gets each request and how many calls came before it.
    init(_ script: @escaping @Sendable (ActuationRequest, Int) -> Result<String, ActuationFailure> = { r, _ in .success("set \(r.desired)") }) {
        self.script = script
    }

    var calls: [ActuationRequest] { log.withLock { $0 } }

    func target(forTier tier: String) -> ActuationTarget? {
        tier == "bronze" ? nil : ActuationTarget(actuator: name, resource: "service-\(tier)")
    }

    func setDesiredCapacity(_ request: ActuationRequest) async throws(ActuationFailure) -> String {
        let index = log.withLock { calls -> Int in
            calls.append(request)
            return calls.count - 1
        }
        return try script(request, index).get()
    }
}

/// The actuation loop against a real PostgreSQL, with a scripted actuator.
@Suite(.timeLimit(.minutes(5))) struct ActuationServiceTests {
    static let fast = ActuationSettings(poll: .milliseconds(50), retry: RetrySchedule(initial: .milliseconds(20), maximum: .milliseconds(160)))

    struct Setup {
        let database: TestDatabase
        let db: PostgresConnection
        let projection = ScalingProjection()
        var offset: Int64 = 0

        mutating func decide(_ decisions: ScaleDecision...) throws {
            let batch = ScalingFixtures.projected(decisions, from: offset)
            offset += Int64(decisions.count)
            try db.transaction { try projection.apply(batch, schema: projection.schema, connection: $0) }
        }

        func applied() throws -> [String: String] {
            let exists = try db.execute("SELECT to_regclass('scaling_actuation.applied') IS NOT NULL AS present").rows.first
            guard try exists?.bool("present") == true else { return [:] }
            var applied: [String: String] = [:]
            for row in try db.execute("SELECT tier, decision_id FROM scaling_actuation.applied").rows {
                applied[try row.string("tier")] = try row.string("decision_id")
            }
            return applied
        }

        func attempts(_ decision: String) throws -> [(number: Int, outcome: String, retryMs: Int?, desired: Int)] {
            try db.execute(
                "SELECT attempt, outcome, retry_in_ms, desired_capacity FROM scaling_actuation.attempts WHERE decision_id = $1 ORDER BY attempt",
                [PostgresValue(decision)]
            ).rows.map { row in
                (try row.int("attempt"), try row.string("outcome"), row.isNull("retry_in_ms") ? nil : try row.int("retry_in_ms"),
                 try row.int("desired_capacity"))
            }
        }
    }

    func setUp(_ prefix: String) throws -> Setup {
        let database = try TestDatabase.create(prefix: prefix)
        let db = try database.connect()
        try ProjectionMigrator.migrate(ScalingProjection(), connection: db)
        return Setup(database: database, db: db)
    }

    func start(_ actuator: any Actuator, _ setup: Setup, settings: ActuationSettings = fast) -> (ActuationService, Task<Void, any Error>) {
        let service = ActuationService(actuator: actuator, databaseURL: setup.database.url, settings: settings,
                                       logger: Logger(label: "test.actuation"))
        return (service, Task { try await service.run() })
    }

    @Test func failedCallsAreRetriedWithBackoffAndEveryAttemptIsRecorded() async throws {
        var setup = try setUp("actuation_retry")
        defer { try? setup.database.drop() }
        let actuator = ScriptedActuator { request, index in
            index < 2 ? .failure(ActuationFailure(.transient, "throttled", code: "ThrottlingException", status: 400))
                : .success("set \(request.desired)")
        }
        try setup.decide(ScalingFixtures.decision("g1", desired: 5, second: 10))
        let (_, task) = start(actuator, setup)
        try await waitUntil(timeout: .seconds(180), description: "g1 applied") { try setup.applied()["gold"] == "g1" }
        task.cancel()
        try await task.value

        let attempts = try setup.attempts("g1")
        #expect(attempts.map(\.number) == [1, 2, 3])
        #expect(attempts.map(\.outcome) == ["failed", "failed", "ok"])
        #expect(attempts.map(\.retryMs) == [20, 40, nil])
        let failed = try #require(try setup.db.execute(
            "SELECT error_kind, error_code, http_status, error FROM scaling_actuation.attempts WHERE attempt = 1").rows.first)
        #expect(try failed.string("error_kind") == "transient")
        #expect(try failed.string("error_code") == "ThrottlingException")
        #expect(try failed.int("http_status") == 400)
        #expect(try setup.db.execute("SELECT response FROM scaling_actuation.attempts WHERE attempt = 3").rows.first?.string("response") == "set 5")
        #expect(actuator.calls.allSatisfy { $0.tier == "gold" }, "bronze and silver have no decision or no target")
    }

    @Test func anOlderDecisionIsNeverCarriedOutAndANewerOneReplacesAFailingOne() async throws {
        var setup = try setUp("actuation_order")
        defer { try? setup.database.drop() }
        // g5 always fails; everything else succeeds.
        let actuator = ScriptedActuator { request, _ in
            request.stamp.decisionID == "g5" ? .failure(ActuationFailure(.transient, "unreachable")) : .success("ok")
        }
        try setup.decide(ScalingFixtures.decision("g1", desired: 5, second: 10))
        let (service, task) = start(actuator, setup)
        try await waitUntil(timeout: .seconds(180), description: "g1 applied") { try setup.applied()["gold"] == "g1" }

        try setup.decide(ScalingFixtures.decision("g0", desired: 2, second: 5))
        try setup.decide(ScalingFixtures.decision("g5", desired: 9, second: 50))
        service.capacityMayHaveChanged()
        try await waitUntil(timeout: .seconds(180), description: "g5 failing twice") { try setup.attempts("g5").count >= 2 }
        try setup.decide(ScalingFixtures.decision("g6", desired: 7, second: 60))
        service.capacityMayHaveChanged()
        try await waitUntil(timeout: .seconds(180), description: "g6 applied") { try setup.applied()["gold"] == "g6" }
        let g5Attempts = try setup.attempts("g5").count
        // More passes of the loop, long enough for g5's backoff to run out several times.
        try setup.decide(ScalingFixtures.decision("g7", desired: 8, second: 70))
        service.capacityMayHaveChanged()
        try await waitUntil(timeout: .seconds(180), description: "g7 applied") { try setup.applied()["gold"] == "g7" }
        task.cancel()
        try await task.value

        #expect(!actuator.calls.contains { $0.stamp.decisionID == "g0" }, "the older decision was never sent")
        #expect(!actuator.calls.contains { $0.desired == 2 })
        #expect(try setup.attempts("g5").count == g5Attempts, "the replaced decision is not retried any more")
        #expect(actuator.calls.suffix(2).map(\.stamp.decisionID) == ["g6", "g7"])
    }

    @Test func aRefusedCallWaitsTheLongestBackoff() async throws {
        var setup = try setUp("actuation_refused")
        defer { try? setup.database.drop() }
        let actuator = ScriptedActuator { _, index in
            index == 0 ? .failure(ActuationFailure(.rejected, "service not found", code: "ServiceNotFoundException", status: 400))
                : .success("ok")
        }
        try setup.decide(ScalingFixtures.decision("g1", desired: 5, second: 10))
        let (_, task) = start(actuator, setup)
        try await waitUntil(timeout: .seconds(180), description: "g1 applied") { try setup.applied()["gold"] == "g1" }
        task.cancel()
        try await task.value
        #expect(try setup.attempts("g1").map(\.retryMs) == [160, nil])
    }

    @Test func onlyOneWorkerActuatesAndAnotherTakesOverWhenItStops() async throws {
        var setup = try setUp("actuation_leader")
        defer { try? setup.database.drop() }
        let first = ScriptedActuator()
        let second = ScriptedActuator()
        try setup.decide(ScalingFixtures.decision("g1", desired: 5, second: 10))
        let (_, firstTask) = start(first, setup)
        try await waitUntil(timeout: .seconds(180), description: "g1 applied") { try setup.applied()["gold"] == "g1" }
        let (secondService, secondTask) = start(second, setup)
        try setup.decide(ScalingFixtures.decision("g2", desired: 6, second: 20))
        secondService.capacityMayHaveChanged()
        try await waitUntil(timeout: .seconds(180), description: "g2 applied") { try setup.applied()["gold"] == "g2" }
        #expect(second.calls.isEmpty, "the second worker stands by")

        firstTask.cancel()
        try await firstTask.value
        try setup.decide(ScalingFixtures.decision("g3", desired: 7, second: 30))
        secondService.capacityMayHaveChanged()
        try await waitUntil(timeout: .seconds(180), description: "g3 applied by the second worker") { try setup.applied()["gold"] == "g3" }
        secondTask.cancel()
        try await secondTask.value
        #expect(first.calls.map(\.stamp.decisionID) == ["g1", "g2"])
        #expect(second.calls.map(\.stamp.decisionID) == ["g3"])
    }

    @Test func aDryRunRecordsWhatItWouldDoForEveryTier() async throws {
        var setup = try setUp("actuation_dry_run")
        defer { try? setup.database.drop() }
        try setup.decide(ScalingFixtures.decision("g1", desired: 5, second: 10),
                         ScalingFixtures.decision("b1", tier: .bronze, desired: 2, second: 10))
        let (_, task) = start(DryRunActuator(), setup)
        try await waitUntil(timeout: .seconds(180), description: "both applied") { try setup.applied().count == 2 }
        task.cancel()
        try await task.value
        let responses = try setup.db.execute(
            "SELECT actuator, target, response FROM scaling_actuation.attempts ORDER BY tier").rows
        #expect(try responses.map { try $0.string("target") } == ["bronze", "gold"])
        #expect(try responses.map { try $0.string("actuator") } == ["dry-run", "dry-run"])
        #expect(try responses.last?.string("response") == "dry run: would set gold to 5 (4 spot, 1 on-demand)")
    }

    @Test func anAttemptTheDatabaseCouldNotTakeIsRecordedWhenItIsBackAndNotRepeated() async throws {
        var setup = try setUp("actuation_db_outage")
        defer { try? setup.database.drop() }
        let actuator = GatedActuator()
        try setup.decide(ScalingFixtures.decision("g1", desired: 5, second: 10))
        let (_, task) = start(actuator, setup)
        try await waitUntil(timeout: .seconds(180), description: "the call in flight") { actuator.calls.count == 1 }
        // The database drops the actuation session while the call is in flight.
        try setup.db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        actuator.release()
        try await waitUntil(timeout: .seconds(180), description: "g1 applied") { try setup.applied()["gold"] == "g1" }
        task.cancel()
        try await task.value
        #expect(actuator.calls.count == 1, "the capacity was set once")
        #expect(try setup.attempts("g1").map(\.outcome) == ["ok"])
    }
}

import Foundation
import Postgres
import Projection

/// Every SQL statement of actuation: `scaling_actuation.attempts` (every call to an actuator and how it went) and
/// `scaling_actuation.applied` (per tier and target, the newest decision carried out). These record what was done
/// to the outside world, so unlike the projection's tables they are never rebuilt from the topic.
public struct ActuationSQL: Sendable {
    /// Quoted schema name.
    let schema: String

    /// The schema actuation uses unless told otherwise.
    public static let defaultSchema = "scaling_actuation"

    /// The tables in `schema` (default `scaling_actuation`).
    public init(schema: String = ActuationSQL.defaultSchema) {
        self.schema = quoteIdentifier(schema)
        self.schemaName = schema
    }

    /// Unquoted schema name.
    let schemaName: String

    /// One session-level advisory lock elects the worker that actuates, so two workers of the projection never
    /// both call the target. (Advisory locks are per database.) The key spells "scaling" in ASCII.
    static let leaderLockKey: Int64 = 0x73_63_61_6C_69_6E_67

    /// Idempotent DDL.
    public var migrations: [String] {
        [
            "CREATE SCHEMA IF NOT EXISTS \(schema)",
            """
            CREATE TABLE IF NOT EXISTS \(schema).attempts (
                attempt_id bigserial PRIMARY KEY,
                decision_id text NOT NULL,
                tier text NOT NULL,
                actuator text NOT NULL,
                target text NOT NULL,
                desired_capacity bigint NOT NULL,
                attempt integer NOT NULL,
                started_at timestamptz NOT NULL,
                finished_at timestamptz NOT NULL,
                outcome text NOT NULL CHECK (outcome IN ('ok', 'failed')),
                error_kind text CHECK (error_kind IN ('transient', 'rejected')),
                error_code text,
                http_status integer,
                error text,
                response text,
                retry_in_ms bigint
            )
            """,
            "CREATE INDEX IF NOT EXISTS attempts_decision_target ON \(schema).attempts (decision_id, actuator, target)",
            """
            CREATE TABLE IF NOT EXISTS \(schema).applied (
                tier text NOT NULL,
                actuator text NOT NULL,
                target text NOT NULL,
                decision_id text NOT NULL,
                decided_at timestamptz NOT NULL,
                desired_capacity bigint NOT NULL,
                applied_at timestamptz NOT NULL,
                PRIMARY KEY (tier, actuator, target)
            )
            """,
        ]
    }

    /// Creates the schema and tables if missing. A role that may not run DDL (the scaling writer of a least-privilege
    /// deployment, see ``AccessRoles``) only checks that an owner created them and that it may write them.
    public func migrate(connection: PostgresConnection) throws {
        try connection.transaction { tx in
            // Two workers starting together must not race on CREATE … IF NOT EXISTS.
            try tx.execute("SELECT pg_advisory_xact_lock($1)", [.int(Self.leaderLockKey &+ 1)])
            guard try MigrationRights.mayRunDDL(in: [schemaName], connection: tx) else {
                let lacking = try MigrationRights.shortfalls(
                    schema: schemaName, needs: [("attempts", "INSERT"), ("applied", "INSERT"), ("applied", "UPDATE")],
                    connection: tx)
                guard lacking.isEmpty else {
                    throw ProjectionAccessError(
                        projection: "scaling", role: try MigrationRights.currentRole(tx),
                        problem: "it lacks \(lacking.map(\.description).joined(separator: ", "))")
                }
                return
            }
            for statement in migrations { try tx.execute(statement) }
            try AccessRoles.regrantWriter(of: "scaling", schemas: [schemaName], connection: tx)
        }
    }

    /// Takes the actuation lock for this session if no other session holds it; true when this session holds it.
    func tryLeadership(connection: PostgresConnection) throws -> Bool {
        try connection.execute("SELECT pg_try_advisory_lock($1) AS held", [.int(Self.leaderLockKey)]).rows.first?.bool("held") ?? false
    }

    /// Every applied row.
    public func applied(connection: PostgresConnection) throws -> [AppliedDecision] {
        let result = try connection.execute(
            """
            SELECT tier, actuator, target, decision_id, desired_capacity,
                   (extract(epoch FROM decided_at) * 1000000)::bigint AS decided_us
            FROM \(schema).applied ORDER BY tier, actuator, target
            """)
        return try result.rows.map { row in
            AppliedDecision(
                tier: try row.string("tier"),
                target: ActuationTarget(actuator: try row.string("actuator"), resource: try row.string("target")),
                stamp: DecisionStamp(decidedAt: try row.int64("decided_us"), decisionID: try row.string("decision_id")),
                desired: try row.int("desired_capacity"))
        }
    }

    /// The number the next attempt of `request` gets: one more than the attempts recorded so far, across restarts.
    func nextAttemptNumber(_ request: ActuationRequest, connection: PostgresConnection) throws -> Int {
        let result = try connection.execute(
            """
            SELECT coalesce(max(attempt), 0) + 1 AS next FROM \(schema).attempts
            WHERE decision_id = $1 AND actuator = $2 AND target = $3
            """,
            [PostgresValue(request.stamp.decisionID), PostgresValue(request.target.actuator),
             PostgresValue(request.target.resource)])
        return try result.rows.first?.int("next") ?? 1
    }

    /// Records one attempt and, when it succeeded, makes its decision the target's applied one unless a newer
    /// decision is already recorded there (compare and set on decided_at, then decision id byte by byte).
    func record(_ attempt: ActuationAttempt, connection: PostgresConnection) throws {
        let request = attempt.request
        try connection.transaction { tx in
            let failure: ActuationFailure? = if case .failure(let failure) = attempt.outcome { failure } else { nil }
            let response: String? = if case .success(let summary) = attempt.outcome { summary } else { nil }
            try tx.execute(
                """
                INSERT INTO \(schema).attempts (decision_id, tier, actuator, target, desired_capacity, attempt,
                    started_at, finished_at, outcome, error_kind, error_code, http_status, error, response, retry_in_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                """,
                [
                    PostgresValue(request.stamp.decisionID), PostgresValue(request.tier),
                    PostgresValue(request.target.actuator), PostgresValue(request.target.resource), .int(request.desired),
                    .int(attempt.number), .timestamp(attempt.startedAt), .timestamp(attempt.finishedAt),
                    PostgresValue(failure == nil ? "ok" : "failed"), failure.map { PostgresValue($0.kind.rawValue) },
                    failure?.code.map { PostgresValue($0) }, failure?.status.map { .int($0) },
                    failure.map { PostgresValue($0.message) }, response.map { PostgresValue($0) },
                    attempt.retryIn.map { .int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) },
                ])
            guard failure == nil else { return }
            try tx.execute(
                """
                INSERT INTO \(schema).applied AS a (tier, actuator, target, decision_id, decided_at, desired_capacity, applied_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (tier, actuator, target) DO UPDATE SET
                    decision_id = EXCLUDED.decision_id, decided_at = EXCLUDED.decided_at,
                    desired_capacity = EXCLUDED.desired_capacity, applied_at = EXCLUDED.applied_at
                WHERE (a.decided_at, a.decision_id COLLATE "C") < (EXCLUDED.decided_at, EXCLUDED.decision_id COLLATE "C")
                """,
                [
                    PostgresValue(request.tier), PostgresValue(request.target.actuator),
                    PostgresValue(request.target.resource), PostgresValue(request.stamp.decisionID),
                    .timestamp(microsecondsSinceEpoch: request.stamp.decidedAt), .int(request.desired),
                    .timestamp(attempt.finishedAt),
                ])
        }
    }
}

/// One call to an actuator, as recorded in `scaling_actuation.attempts`.
struct ActuationAttempt: Sendable {
    var request: ActuationRequest
    /// 1 for the first attempt of this decision on this target.
    var number: Int
    var startedAt: Date
    var finishedAt: Date
    /// The actuator's summary, or why it failed.
    var outcome: Result<String, ActuationFailure>
    /// After a failure, the wait before the next attempt.
    var retryIn: Duration?
}

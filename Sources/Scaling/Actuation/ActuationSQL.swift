import Foundation
import Postgres
import Projection

/// Every SQL statement of actuation: `scaling_actuation.attempts` (every call to an actuator and how it went),
/// `scaling_actuation.applied` (per tier and target, the newest decision carried out) and
/// `scaling_actuation.leadership` (the leadership epoch that fences what a leader records). These record what was
/// done to the outside world, so unlike the projection's tables they are never rebuilt from the topic.
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

    /// The `leadership` row the advisory lock goes with.
    static let leadershipScope = "actuation"

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
            // The term each attempt was made in, and the term that last set each applied row (0: before epochs).
            "ALTER TABLE \(schema).attempts ADD COLUMN IF NOT EXISTS epoch bigint",
            "ALTER TABLE \(schema).applied ADD COLUMN IF NOT EXISTS epoch bigint NOT NULL DEFAULT 0",
            """
            CREATE TABLE IF NOT EXISTS \(schema).leadership (
                scope text PRIMARY KEY,
                epoch bigint NOT NULL,
                holder text NOT NULL,
                taken_at timestamptz NOT NULL,
                reassert_owed boolean NOT NULL,
                released_at timestamptz
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
                    schema: schemaName, needs: [("attempts", "INSERT"), ("applied", "INSERT"), ("applied", "UPDATE"),
                            ("leadership", "INSERT"), ("leadership", "UPDATE")],
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

    /// Takes the actuation lock for this session if no other session holds it and, in the same transaction, moves
    /// the leadership epoch on by one under `holder`'s name. Returns the new epoch and the term it follows (nil the
    /// first time), or nil when another session holds the lock. `owesReassert` is stored with the new term.
    func takeLeadership(holder: String, owesReassert: (PreviousTerm?) -> Bool,
                        connection: PostgresConnection) throws -> (epoch: Int64, previous: PreviousTerm?)? {
        let scope = PostgresValue(Self.leadershipScope)
        do {
            return try connection.transaction { tx -> (epoch: Int64, previous: PreviousTerm?)? in
                guard try tx.execute("SELECT pg_try_advisory_lock($1) AS held", [.int(Self.leaderLockKey)])
                    .rows.first?.bool("held") == true else { return nil }
                let row = try tx.execute(
                    """
                    SELECT epoch, holder, released_at IS NOT NULL AS released, reassert_owed
                    FROM \(schema).leadership WHERE scope = $1 FOR UPDATE
                    """, [scope]).rows.first
                let previous = try row.map { row in
                    PreviousTerm(epoch: try row.int64("epoch"), holder: try row.string("holder"),
                                 released: try row.bool("released"), owedReassert: try row.bool("reassert_owed"))
                }
                let taken = try tx.execute(
                    """
                    INSERT INTO \(schema).leadership AS l (scope, epoch, holder, taken_at, reassert_owed)
                    VALUES ($1, 1, $2, now(), $3)
                    ON CONFLICT (scope) DO UPDATE SET epoch = l.epoch + 1, holder = EXCLUDED.holder,
                        taken_at = EXCLUDED.taken_at, reassert_owed = EXCLUDED.reassert_owed, released_at = NULL
                    RETURNING epoch
                    """, [scope, PostgresValue(holder), .bool(owesReassert(previous))])
                guard let epoch = try taken.rows.first?.int64("epoch") else { return nil }
                return (epoch, previous)
            }
        } catch let error as PostgresError where !error.isConnectionError {
            // A session-level lock outlives the rolled-back transaction that took it: give it back.
            _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [.int(Self.leaderLockKey)])
            throw error
        }
    }

    /// Records that the term `epoch` has set every target again, so the next term need not (unless this one is cut
    /// off by another worker).
    func finishReassert(epoch: Int64, connection: PostgresConnection) throws {
        try connection.execute(
            "UPDATE \(schema).leadership SET reassert_owed = false WHERE scope = $1 AND epoch = $2",
            [PostgresValue(Self.leadershipScope), .int(epoch)])
    }

    /// Records that the term `epoch` ended cleanly (every call it made has returned and been recorded) and lets go of
    /// the lock.
    func release(epoch: Int64, connection: PostgresConnection) throws {
        try connection.execute(
            "UPDATE \(schema).leadership SET released_at = now() WHERE scope = $1 AND epoch = $2",
            [PostgresValue(Self.leadershipScope), .int(epoch)])
        try connection.execute("SELECT pg_advisory_unlock($1)", [.int(Self.leaderLockKey)])
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

    /// Records one attempt and, when it succeeded and its term still leads, makes its decision the target's applied
    /// one unless a newer decision is already recorded there (compare and set on the leadership epoch, then on
    /// decided_at, decision id byte by byte and the epoch that set the row, so a re-assert refreshes it). The attempt
    /// is kept either way: it was made. Returns the stored epoch when it is no longer the attempt's: its leader was
    /// deposed and must stop acting.
    @discardableResult
    func record(_ attempt: ActuationAttempt, connection: PostgresConnection) throws -> TermCheck {
        let request = attempt.request
        return try connection.transaction { tx -> TermCheck in
            // FOR SHARE: a takeover (which updates the row) waits for this transaction, or this one sees its epoch.
            let stored = try tx.execute(
                "SELECT epoch FROM \(schema).leadership WHERE scope = $1 FOR SHARE", [PostgresValue(Self.leadershipScope)]
            ).rows.first.map { try $0.int64("epoch") }
            let check: TermCheck = stored == attempt.epoch ? .current : .superseded(by: stored)
            let failure: ActuationFailure? = if case .failure(let failure) = attempt.outcome { failure } else { nil }
            let response: String? = if case .success(let summary) = attempt.outcome { summary } else { nil }
            try tx.execute(
                """
                INSERT INTO \(schema).attempts (decision_id, tier, actuator, target, desired_capacity, attempt,
                    started_at, finished_at, outcome, error_kind, error_code, http_status, error, response, retry_in_ms,
                    epoch)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                """,
                [
                    PostgresValue(request.stamp.decisionID), PostgresValue(request.tier),
                    PostgresValue(request.target.actuator), PostgresValue(request.target.resource), .int(request.desired),
                    .int(attempt.number), .timestamp(attempt.startedAt), .timestamp(attempt.finishedAt),
                    PostgresValue(failure == nil ? "ok" : "failed"), failure.map { PostgresValue($0.kind.rawValue) },
                    failure?.code.map { PostgresValue($0) }, failure?.status.map { .int($0) },
                    failure.map { PostgresValue($0.message) }, response.map { PostgresValue($0) },
                    attempt.retryIn.map { .int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) },
                    .int(attempt.epoch),
                ])
            guard failure == nil, check == .current else { return check }
            try tx.execute(
                """
                INSERT INTO \(schema).applied AS a (tier, actuator, target, decision_id, decided_at, desired_capacity,
                                                    applied_at, epoch)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (tier, actuator, target) DO UPDATE SET
                    decision_id = EXCLUDED.decision_id, decided_at = EXCLUDED.decided_at,
                    desired_capacity = EXCLUDED.desired_capacity, applied_at = EXCLUDED.applied_at, epoch = EXCLUDED.epoch
                WHERE (a.decided_at, a.decision_id COLLATE "C", a.epoch)
                    < (EXCLUDED.decided_at, EXCLUDED.decision_id COLLATE "C", EXCLUDED.epoch)
                """,
                [
                    PostgresValue(request.tier), PostgresValue(request.target.actuator),
                    PostgresValue(request.target.resource), PostgresValue(request.stamp.decisionID),
                    .timestamp(microsecondsSinceEpoch: request.stamp.decidedAt), .int(request.desired),
                    .timestamp(attempt.finishedAt), .int(attempt.epoch),
                ])
            return check
        }
    }
}

/// Whether the term an attempt was made in still leads when it is recorded.
enum TermCheck: Sendable, Equatable {
    case current
    /// Another worker has taken over since: the stored epoch (nil if the leadership row is gone).
    case superseded(by: Int64?)
}

/// One call to an actuator, as recorded in `scaling_actuation.attempts`.
struct ActuationAttempt: Sendable {
    var request: ActuationRequest
    /// The leadership term it was made in.
    var epoch: Int64
    /// 1 for the first attempt of this decision on this target.
    var number: Int
    var startedAt: Date
    var finishedAt: Date
    /// The actuator's summary, or why it failed.
    var outcome: Result<String, ActuationFailure>
    /// After a failure, the wait before the next attempt.
    var retryIn: Duration?
}

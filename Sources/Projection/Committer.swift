import Kafka
import Logging
import Postgres

/// The commit side of a runner, and the only owner of its database connection: the projection's writes, the
/// checkpoints and the tables' checks all run as bodies on the connection's serial queue. A batch is committed there
/// while the runner's thread polls and decodes the next one; the runner's own requests (checkpoints, probes) wait
/// their turn behind it, so nothing else can touch the connection mid-batch.
final class Committer: Sendable {
    private let database: SerialConnection
    private let projection: any Projection
    private let target: ProjectionTarget
    private let transaction: BatchTransaction
    private let checkpoints: CheckpointStore

    init(projection: any Projection, target: ProjectionTarget, databaseURL: String, logger: Logger) {
        database = SerialConnection(conninfo: databaseURL, label: "annals.projection.commit")
        self.projection = projection
        self.target = target
        transaction = BatchTransaction(projection: projection, target: target, logger: logger)
        checkpoints = CheckpointStore(projection: target.ledger)
    }

    /// Opens the connection, or throws why it cannot be opened.
    func connect() throws {
        try database.runBlocking { _ in }
    }

    /// Readies the tables the runner writes: the live tables migrated, or a replay's shadow found.
    func prepareTables() throws {
        try database.runBlocking { [projection, target] connection in
            if target.isLive {
                try ProjectionMigrator.migrate(projection, connection: connection)
            } else {
                try ProjectionMigrator.requireShadow(projection, target: target, connection: connection)
            }
        }
    }

    /// Checks the tables' version and compatibility, then reads the partitions' checkpoints. After a fence this is how
    /// a replay's swap (or an in-place replay) is noticed: tables of another version, or built for another embedder,
    /// must not be written by this code.
    func loadCheckpoints(_ partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        try database.runBlocking { [projection, target, checkpoints] connection in
            if target.isLive {
                try ProjectionMigrator.requireVersion(of: projection, connection)
                try projection.checkCompatibility(schema: target.schema, connection: connection)
            }
            return try checkpoints.load(partitions, connection: connection)
        }
    }

    /// A round trip that checks the database answers.
    func probe() throws {
        _ = try database.runBlocking { try $0.execute("SELECT 1") }
    }

    /// Queues `batch` (its decoded `events` and dead `letters`) for commit and returns at once; the returned
    /// commit says when it is done, and how it went.
    func commit(_ batch: RunnerStateMachine.Batch, events: [ProjectedEvent], deadLetters letters: [DeadLetter]) -> InFlightCommit {
        let commit = InFlightCommit(batch: batch)
        database.enqueue { [projection, transaction] connection in
            do {
                let connection = try connection.get()
                let completed = try projection.complete(events, connection: connection)
                commit.finish(try transaction.commit(batch, events: completed, deadLetters: letters, on: connection))
            } catch {
                commit.finish(.failed(error))
            }
        }
        return commit
    }
}

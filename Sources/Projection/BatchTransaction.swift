import Kafka
import Logging
import Postgres

/// What committing one batch came to.
enum CommitOutcome {
    case committed(deadLetters: Int)
    /// Another owner moved these partitions' checkpoints: nothing was written.
    case fenced([TopicPartition])
    case failed(any Error)
}

/// One batch in one transaction: the projection's rows, the dead letters, and the compare-and-set
/// checkpoint moves. When an event's data makes the database refuse the batch, the events are applied one
/// by one under savepoints and those refused become dead letters, so a poison event never blocks a partition.
struct BatchTransaction {
    let projection: any Projection
    let target: ProjectionTarget
    let checkpoints: CheckpointStore
    let deadLetters: DeadLetterStore
    let logger: Logger

    init(projection: any Projection, target: ProjectionTarget, logger: Logger) {
        self.projection = projection
        self.target = target
        self.checkpoints = CheckpointStore(projection: target.ledger)
        self.deadLetters = DeadLetterStore(projection: target.ledger)
        self.logger = logger
    }

    func commit(_ batch: RunnerStateMachine.Batch, events: [ProjectedEvent], deadLetters letters: [DeadLetter],
                on connection: PostgresConnection) throws -> CommitOutcome {
        do {
            try connection.transaction { tx in
                if target.isLive { try RedriveLock.holdForBatch(projection.name, in: tx) }
                try projection.apply(events, schema: target.schema, connection: tx)
                try finish(batch, deadLetters: letters, in: tx)
            }
            return .committed(deadLetters: letters.count)
        } catch let fenced as Fenced {
            return .fenced(fenced.partitions)
        } catch where FailureClassifier.verdict(for: error) == .eventsFault {
            logger.warning("batch failed on its data: applying its events one by one to find the poison", metadata: ["error": "\(error)"])
            return try commitIsolating(batch, events: events, deadLetters: letters, connection: connection)
        }
    }

    /// Applies each event under its own savepoint; events the database rejects become dead letters.
    private func commitIsolating(_ batch: RunnerStateMachine.Batch, events: [ProjectedEvent], deadLetters letters: [DeadLetter],
                                 connection: PostgresConnection) throws -> CommitOutcome {
        let messages = Dictionary(batch.messages.map {
            (EventCoordinates($0), $0)
        }, uniquingKeysWith: { first, _ in first })
        do {
            let rejected = try connection.transaction { tx in
                if target.isLive { try RedriveLock.holdForBatch(projection.name, in: tx) }
                var rejected: [DeadLetter] = []
                for event in events {
                    try tx.execute("SAVEPOINT annals_event")
                    do {
                        try projection.apply([event], schema: target.schema, connection: tx)
                        try tx.execute("RELEASE SAVEPOINT annals_event")
                    } catch where FailureClassifier.verdict(for: error) == .eventsFault {
                        try tx.execute("ROLLBACK TO SAVEPOINT annals_event")
                        if let message = messages[event.coordinates] {
                            rejected.append(DeadLetter(message, error: error is PostgresError
                                ? "the database rejected the event: \(error)" : "the projection rejected the event: \(error)"))
                        }
                    }
                }
                try finish(batch, deadLetters: letters + rejected, in: tx)
                return rejected
            }
            return .committed(deadLetters: letters.count + rejected.count)
        } catch let fenced as Fenced {
            return .fenced(fenced.partitions)
        }
    }

    /// Dead letters and compare-and-set checkpoints, in the batch's transaction.
    private func finish(_ batch: RunnerStateMachine.Batch, deadLetters letters: [DeadLetter], in tx: PostgresConnection) throws {
        try deadLetters.record(letters, in: tx)
        let conflicts = try checkpoints.advance(batch.moves, in: tx)
        if !conflicts.isEmpty { throw Fenced(partitions: conflicts) }
    }

    private struct Fenced: Error {
        var partitions: [TopicPartition]
    }
}

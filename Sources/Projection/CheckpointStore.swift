import Kafka
import Postgres

/// `annals.checkpoints`: per projection and partition, the next offset to apply. The source of truth for positions.
public struct CheckpointStore: Sendable {
    public let projection: String

    public init(projection: String) {
        self.projection = projection
    }

    /// Stored next offsets for the given partitions; partitions never checkpointed are absent.
    public func load(_ partitions: [TopicPartition], connection: PostgresConnection) throws -> [TopicPartition: Int64] {
        let all = try loadAll(connection: connection)
        return all.filter { partitions.contains($0.key) }
    }

    /// Every stored checkpoint of the projection.
    public func loadAll(connection: PostgresConnection) throws -> [TopicPartition: Int64] {
        let result = try connection.execute(
            "SELECT topic, partition, next_offset FROM annals.checkpoints WHERE projection = $1",
            [PostgresValue(projection)])
        var offsets: [TopicPartition: Int64] = [:]
        for row in result.rows {
            let partition = TopicPartition(topic: try row.string("topic"), partition: Int32(try row.int("partition")))
            offsets[partition] = try row.int64("next_offset")
        }
        return offsets
    }

    /// Compare-and-set: moves each partition from `expected` (nil: never checkpointed) to `next`.
    /// Returns the partitions whose stored value was not the expected one (a newer owner moved them).
    public func advance(_ moves: [CheckpointMove], in tx: PostgresConnection) throws -> [TopicPartition] {
        guard !moves.isEmpty else { return [] }
        var statements: [(sql: String, parameters: [PostgresValue?])] = []
        for move in moves {
            let key: [PostgresValue?] = [PostgresValue(projection), PostgresValue(move.partition.topic), .int(move.partition.partition)]
            if let expected = move.expected {
                statements.append((
                    "UPDATE annals.checkpoints SET next_offset = $4, updated_at = now() "
                        + "WHERE projection = $1 AND topic = $2 AND partition = $3 AND next_offset = $5",
                    key + [.int(move.next), .int(expected)]))
            } else {
                statements.append((
                    "INSERT INTO annals.checkpoints (projection, topic, partition, next_offset) VALUES ($1, $2, $3, $4) "
                        + "ON CONFLICT DO NOTHING",
                    key + [.int(move.next)]))
            }
        }
        let results = try tx.pipeline(statements)
        return zip(moves, results).filter { $0.1.affectedRows != 1 }.map(\.0.partition)
    }
}

/// One partition's checkpoint moving forward after a batch.
public struct CheckpointMove: Hashable, Sendable {
    public var partition: TopicPartition
    public var expected: Int64?
    public var next: Int64

    public init(partition: TopicPartition, expected: Int64?, next: Int64) {
        self.partition = partition
        self.expected = expected
        self.next = next
    }
}

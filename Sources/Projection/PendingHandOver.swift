import Kafka
import Postgres

/// The checkpoints an in-place rebuild's reset replaced, kept in `annals.rebuilds` until the rebuild is done and
/// has handed over from them (``Projection/handOver(from:in:)``). A rebuild interrupted and run again resets the
/// tables again, but hands over from the first reset's checkpoints, not from the partial rebuild's.
enum PendingHandOver {
    /// Inside the reset's transaction: the checkpoints an unfinished rebuild of `projection` replaced, or else its
    /// current ones, recorded as replaced. `resumed` says which.
    static func begin(_ projection: String, in tx: PostgresConnection) throws -> (replaced: [TopicPartition: Int64], resumed: Bool) {
        let name = PostgresValue(projection)
        let inserted = try tx.execute(
            "INSERT INTO annals.rebuilds (projection) VALUES ($1) ON CONFLICT (projection) DO NOTHING", [name])
        if inserted.affectedRows == 1 {
            try tx.execute(
                """
                INSERT INTO annals.rebuild_replaced (projection, topic, partition, next_offset)
                SELECT projection, topic, partition, next_offset FROM annals.checkpoints WHERE projection = $1
                """, [name])
        }
        let rows = try tx.execute(
            "SELECT topic, partition, next_offset FROM annals.rebuild_replaced WHERE projection = $1", [name]).rows
        var replaced: [TopicPartition: Int64] = [:]
        for row in rows {
            replaced[TopicPartition(topic: try row.string("topic"), partition: Int32(try row.int("partition")))] =
                try row.int64("next_offset")
        }
        return (replaced, inserted.affectedRows == 0)
    }

    /// Inside the hand-over's transaction: the rebuild of `projection` is done.
    static func finish(_ projection: String, in tx: PostgresConnection) throws {
        try tx.execute("DELETE FROM annals.rebuilds WHERE projection = $1", [PostgresValue(projection)])
    }
}

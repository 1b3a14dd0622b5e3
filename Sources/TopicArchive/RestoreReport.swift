import Foundation
import Kafka

/// What a restore wrote, partition by partition.
public struct RestoreReport: Sendable {
    public struct Partition: Sendable {
        public var partition: TopicPartition
        /// The target partition's end before the restore: where it started writing.
        public var targetStart: Int64
        public var records = 0
        /// The target's end after the restore.
        public var restoredEnd: Int64?
        /// Records written at another offset than archived (a target that was not empty, or offsets the archive skips).
        public var offsetsMoved = 0
        /// The offset of the first archived record --until left out; nil when the restore reached the archive's end.
        public var stoppedAt: Int64?
        /// Records archived without value (tombstones), written with an empty one.
        public var nullValuesWrittenEmpty = 0

        init(partition: TopicPartition, targetStart: Int64) {
            self.partition = partition
            self.targetStart = targetStart
        }
    }

    public var startedAt: Date
    public var finishedAt: Date?
    public var partitions: [Partition] = []

    public init(startedAt: Date) {
        self.startedAt = startedAt
    }

    public var records: Int { partitions.reduce(0) { $0 + $1.records } }
}

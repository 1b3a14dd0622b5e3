import Foundation
import Kafka

/// What one archive run did, partition by partition.
public struct ArchiveRunReport: Sendable {
    public struct Partition: Sendable {
        public var partition: TopicPartition
        public var logStart: Int64
        public var logEnd: Int64
        /// Where the archive ended before the run, and after it; nil: nothing archived.
        public var archiveEndBefore: Int64?
        public var archiveEndAfter: Int64?
        public var segments = 0
        public var records = 0
        public var compressedBytes = 0
        public var uncompressedBytes = 0
        /// Segments a stopped run had left without manifest, completed by this one.
        public var completedManifests = 0
        /// Records deleted from the log before they were archived.
        public var lost: Range<Int64>?
        /// Why the partition was not archived.
        public var problem: String?
        var lastEnd: Int64 = 0

        init(partition: TopicPartition, logStart: Int64, logEnd: Int64) {
            self.partition = partition
            self.logStart = logStart
            self.logEnd = logEnd
        }

        mutating func add(_ manifest: SegmentManifest) {
            segments += 1
            records += manifest.records
            compressedBytes += manifest.compressedBytes
            uncompressedBytes += manifest.uncompressedBytes
            lastEnd = manifest.endOffset
        }
    }

    public var startedAt: Date
    public var finishedAt: Date?
    public var partitions: [Partition] = []

    public init(startedAt: Date) {
        self.startedAt = startedAt
    }

    public var records: Int { partitions.reduce(0) { $0 + $1.records } }
    public var compressedBytes: Int { partitions.reduce(0) { $0 + $1.compressedBytes } }
    public var uncompressedBytes: Int { partitions.reduce(0) { $0 + $1.uncompressedBytes } }
    public var segments: Int { partitions.reduce(0) { $0 + $1.segments } }
    /// Partitions with records lost before archiving, or not archived.
    public var troubled: [Partition] { partitions.filter { $0.lost != nil || $0.problem != nil } }
}

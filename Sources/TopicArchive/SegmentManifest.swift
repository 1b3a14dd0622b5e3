import AWSSupport
import Foundation
import Kafka

/// What one archived segment holds, written as JSON next to it once the segment is stored: the range of the
/// partition it covers, how many records, and the SHA-256 of the stored (compressed) object. Manifests chain: a
/// partition's next segment starts where the previous one ended.
public struct SegmentManifest: Codable, Sendable, Equatable {
    /// The manifest's format; 1.
    public var format: Int
    public var topic: String
    public var partition: Int32
    /// The first offset the segment covers: where the archive read from.
    public var startOffset: Int64
    /// The offset after the last one it covers: where the next segment starts. Offsets in between without a
    /// record (transaction markers, compaction) are covered too.
    public var endOffset: Int64
    public var records: Int
    public var firstTimestampMilliseconds: Int64?
    public var lastTimestampMilliseconds: Int64?
    /// The stored object's size and SHA-256 (lower-case hex).
    public var compressedBytes: Int
    public var sha256: String
    /// The segment's bytes before compression.
    public var uncompressedBytes: Int
    /// When it was archived, RFC 3339.
    public var archivedAt: String

    public init(format: Int = 1, topic: String, partition: Int32, startOffset: Int64, endOffset: Int64, records: Int,
                firstTimestampMilliseconds: Int64?, lastTimestampMilliseconds: Int64?, compressedBytes: Int, sha256: String,
                uncompressedBytes: Int, archivedAt: String) {
        self.format = format
        self.topic = topic
        self.partition = partition
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.records = records
        self.firstTimestampMilliseconds = firstTimestampMilliseconds
        self.lastTimestampMilliseconds = lastTimestampMilliseconds
        self.compressedBytes = compressedBytes
        self.sha256 = sha256
        self.uncompressedBytes = uncompressedBytes
        self.archivedAt = archivedAt
    }

    /// The manifest of `records`, stored compressed as `stored` (`uncompressedBytes` before compression), as the
    /// segment `range` of `partition`, archived now.
    public init(describing records: [ArchivedRecord], of partition: TopicPartition, range: PartitionArchive.Range,
                stored: [UInt8], uncompressedBytes: Int) {
        self.init(topic: partition.topic, partition: partition.partition, startOffset: range.start, endOffset: range.end,
                  records: records.count, firstTimestampMilliseconds: records.first?.timestampMilliseconds,
                  lastTimestampMilliseconds: records.last?.timestampMilliseconds, compressedBytes: stored.count,
                  sha256: S3Client.sha256Hex(stored), uncompressedBytes: uncompressedBytes, archivedAt: Self.now())
    }

    /// RFC 3339 with fractions of a second.
    private static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// The manifest as stored: sorted keys, so the same manifest is the same bytes.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// The manifest in `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(ArchiveFormatError) -> SegmentManifest {
        do {
            return try JSONDecoder().decode(SegmentManifest.self, from: Data(bytes))
        } catch {
            throw .malformed("not a segment manifest: \(error)")
        }
    }
}

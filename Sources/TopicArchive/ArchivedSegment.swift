import AWSSupport
import Kafka

/// One archived segment read back from the store and checked against its manifest: the manifest describes the
/// segment's key, the stored bytes have its SHA-256, they decode to records of the partition inside the range, as
/// many as it says. What verify reports and what restore refuses to write.
struct ArchivedSegment {
    let manifest: SegmentManifest
    let storedBytes: Int
    let records: [ArchivedRecord]

    /// The first thing wrong with a segment or its manifest, naming the object.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The segment `range` of `partition`; throws `Problem` for a damaged or inconsistent one, the store's errors as
    /// they come.
    static func read(_ partition: TopicPartition, _ range: PartitionArchive.Range, store: ArchiveStore, layout: ArchiveLayout)
        throws -> ArchivedSegment
    {
        let manifestKey = layout.manifestKey(topic: partition.topic, partition: partition.partition, start: range.start, end: range.end)
        let segmentKey = layout.segmentKey(topic: partition.topic, partition: partition.partition, start: range.start, end: range.end)
        guard let manifestBytes = try store.get(manifestKey) else { throw Problem(description: "\(manifestKey): listed but gone") }
        let manifest: SegmentManifest
        do {
            manifest = try SegmentManifest.decode(manifestBytes)
        } catch {
            throw Problem(description: "\(manifestKey): \(error)")
        }
        if manifest.topic != partition.topic || manifest.partition != partition.partition
            || manifest.startOffset != range.start || manifest.endOffset != range.end {
            throw Problem(description: "\(manifestKey): describes \(manifest.topic)[\(manifest.partition)] "
                + "[\(manifest.startOffset), \(manifest.endOffset)), not its key's range")
        }
        guard let stored = try store.get(segmentKey) else { throw Problem(description: "\(segmentKey): listed but gone") }
        let digest = S3Client.sha256Hex(stored)
        guard digest == manifest.sha256 else {
            throw Problem(description: "\(segmentKey): SHA-256 \(digest) differs from its manifest's \(manifest.sha256): the "
                + "segment was changed or damaged")
        }
        let decoded: SegmentCodec.Decoded
        do {
            decoded = try SegmentCodec.decode(try Gzip.decompress(stored, limit: SegmentVerifier.uncompressedLimit))
        } catch {
            throw Problem(description: "\(segmentKey): \(error)")
        }
        if let problem = SegmentVerifier.problem(in: decoded, topic: partition.topic, partition: partition.partition, range: range) {
            throw Problem(description: "\(segmentKey): \(problem)")
        }
        guard decoded.records.count == manifest.records else {
            throw Problem(description: "\(segmentKey): \(decoded.records.count) records, its manifest says \(manifest.records)")
        }
        return ArchivedSegment(manifest: manifest, storedBytes: stored.count, records: decoded.records)
    }
}

import Kafka

/// A partition's archive as a bucket listing shows it: its segments and manifests by range. Pure.
public struct PartitionArchive: Sendable, Equatable {
    public struct Range: Sendable, Hashable, Comparable {
        public var start: Int64
        public var end: Int64

        public static func < (lhs: Range, rhs: Range) -> Bool { (lhs.start, lhs.end) < (rhs.start, rhs.end) }
    }

    public var topic: String
    public var partition: Int32
    /// Ranges with a manifest (complete segments), in offset order.
    public var manifested: [Range]
    /// Ranges with a segment but no manifest yet: a run stopped between the two writes.
    public var unmanifested: [Range]
    /// Ranges with a manifest but no segment.
    public var missingSegments: [Range]

    /// Each partition's archive among `keys` (a listing under `layout.root`); other keys are ignored.
    public static func partitions(in keys: [String], layout: ArchiveLayout) -> [TopicPartition: PartitionArchive] {
        var segments: [TopicPartition: Set<Range>] = [:]
        var manifests: [TopicPartition: Set<Range>] = [:]
        for key in keys {
            guard let parsed = layout.parse(key) else { continue }
            let partition = TopicPartition(topic: parsed.topic, partition: parsed.partition)
            let range = Range(start: parsed.start, end: parsed.end)
            if parsed.isManifest {
                manifests[partition, default: []].insert(range)
            } else {
                segments[partition, default: []].insert(range)
            }
        }
        var archives: [TopicPartition: PartitionArchive] = [:]
        for partition in Set(segments.keys).union(manifests.keys) {
            let stored = segments[partition] ?? [], described = manifests[partition] ?? []
            archives[partition] = PartitionArchive(
                topic: partition.topic, partition: partition.partition,
                manifested: described.intersection(stored).sorted(),
                unmanifested: stored.subtracting(described).sorted(),
                missingSegments: described.subtracting(stored).sorted())
        }
        return archives
    }

    /// Where the archive continues: the end of the complete segment reaching furthest; nil when there is none.
    public var end: Int64? { manifested.map(\.end).max() }

    /// The segment without manifest that starts at `end` (or at 0 for an empty archive): the one an interrupted
    /// run stored last, to be checked and given its manifest.
    public var resumable: Range? {
        let at = end ?? 0
        return unmanifested.filter { $0.start == at }.max { $0.end < $1.end }
    }
}

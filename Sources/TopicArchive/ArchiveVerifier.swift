import Foundation
import Kafka
import Logging

/// Re-reads an archive and checks it: every manifest against its segment's SHA-256, records and offsets, and each
/// partition's segments chained from offset 0 without gap or overlap. Blocking.
public struct ArchiveVerifier: Sendable {
    public let store: ArchiveStore
    public let layout: ArchiveLayout
    let logger: Logger

    public init(store: ArchiveStore, layout: ArchiveLayout, logger: Logger) {
        self.store = store
        self.layout = layout
        self.logger = logger
    }

    /// What was checked and what is wrong.
    public struct Report: Sendable {
        public var partitions = 0
        public var segments = 0
        public var records = 0
        public var compressedBytes = 0
        /// What is wrong, in the order found (partition by partition, offset order): the first is the first problem.
        public var problems: [String] = []
        /// What is worth knowing but not wrong: segments a stopped run left without manifest.
        public var notes: [String] = []
    }

    /// Checks every partition under the layout's prefix, or those of `topics` when given.
    public func verify(topics: Set<String>? = nil) throws -> Report {
        let archives = PartitionArchive.partitions(in: try store.list(prefix: layout.root).map(\.key), layout: layout)
        var report = Report()
        for partition in archives.keys.sorted() where topics?.contains(partition.topic) ?? true {
            let archive = archives[partition]!
            report.partitions += 1
            for range in archive.missingSegments {
                report.problems.append("\(partition): the manifest of [\(range.start), \(range.end)) has no segment")
            }
            for range in archive.unmanifested {
                report.notes.append("\(partition): segment [\(range.start), \(range.end)) has no manifest yet (a stopped run; the next run completes it)")
            }
            var expectedStart: Int64 = 0
            for range in archive.manifested {
                if range.start > expectedStart {
                    report.problems.append(expectedStart == 0
                        ? "\(partition): the archive begins at offset \(range.start): offsets before it were never archived"
                        : "\(partition): gap: offsets [\(expectedStart), \(range.start)) are in no segment")
                } else if range.start < expectedStart {
                    report.problems.append("\(partition): segment [\(range.start), \(range.end)) overlaps the one ending at \(expectedStart)")
                }
                expectedStart = max(expectedStart, range.end)
                if let problem = try check(partition, range, into: &report) { report.problems.append(problem) }
            }
        }
        return report
    }

    /// The problem with one segment and its manifest, if any.
    private func check(_ partition: TopicPartition, _ range: PartitionArchive.Range, into report: inout Report) throws -> String? {
        let segment: ArchivedSegment
        do {
            segment = try ArchivedSegment.read(partition, range, store: store, layout: layout)
        } catch let problem as ArchivedSegment.Problem {
            return problem.description
        }
        report.segments += 1
        report.records += segment.records.count
        report.compressedBytes += segment.storedBytes
        return nil
    }
}

import Foundation
import Kafka
import Logging

/// Writes archived records back into a cluster's topics: partition by partition, segment by segment in offset
/// order, each record with its key, value, headers and timestamp, through an idempotent producer, so that a
/// restore into empty topics gives every record its archived offset again. Each segment is checked against its
/// manifest's SHA-256 before a record of it is written. Blocking.
public struct TopicRestorer: Sendable {
    public let store: ArchiveStore
    public let layout: ArchiveLayout
    public let kafka: KafkaConfig
    let logger: Logger

    public init(store: ArchiveStore, layout: ArchiveLayout, kafka: KafkaConfig, logger: Logger) {
        self.store = store
        self.layout = layout
        self.kafka = kafka
        self.logger = logger
    }

    /// Where a restore stops: before an offset, or before the first record stamped after a time. Either way a
    /// prefix of each partition is restored.
    public enum Until: Sendable, Equatable {
        case offset(Int64)
        case timestampMilliseconds(Int64)

        func admits(_ record: ArchivedRecord) -> Bool {
            switch self {
            case .offset(let end): record.offset < end
            case .timestampMilliseconds(let last): (record.timestampMilliseconds ?? .min) <= last
            }
        }
    }

    /// What to do with a target partition that already holds records.
    public enum NonEmptyTarget: String, Sendable, CaseIterable {
        /// Refuse the whole restore before writing anything.
        case refuse
        /// Take its records as an earlier restore's, and carry on from its end.
        case resume
    }

    /// Restores every archived partition of `topics` (all the archive holds when nil).
    public func restore(topics: Set<String>?, until: Until?, nonEmpty: NonEmptyTarget) throws -> RestoreReport {
        let started = Date()
        let archives = PartitionArchive.partitions(in: try store.list(prefix: layout.root).map(\.key), layout: layout)
            .filter { topics?.contains($0.key.topic) ?? true }
        guard !archives.isEmpty else {
            throw ArchiveRunError("nothing archived under \(layout.root.isEmpty ? "the bucket's root" : layout.root)"
                + (topics.map { " for \($0.sorted().joined(separator: ", "))" } ?? ""))
        }
        for (partition, archive) in archives.sorted(by: { $0.key < $1.key }) {
            if let problem = Self.chainProblem(archive) {
                throw ArchiveRunError("\(partition): \(problem); run `annals archive verify` and restore what it accepts with --topics")
            }
        }
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        let present = Dictionary(uniqueKeysWithValues: try admin.topics().map { ($0.name, $0.partitions.count) })
        for (topic, partitions) in Dictionary(grouping: archives.keys, by: \.topic) {
            let needed = Int(partitions.map(\.partition).max() ?? 0) + 1
            guard let have = present[topic], have >= needed else {
                throw ArchiveRunError("the target cluster has \(present[topic].map { "\($0) partitions of \(topic)" } ?? "no topic \(topic)"); "
                    + "the archive needs \(needed): create the topics first (`annals topics apply`)")
            }
        }
        let targets = try admin.watermarks(ofTopics: Set(archives.keys.map(\.topic)))
        let occupied = archives.keys.sorted().filter { (targets[$0]?.high ?? 0) > 0 }
        if nonEmpty == .refuse, !occupied.isEmpty {
            throw ArchiveRunError("the target already holds records in \(occupied.map(\.description).joined(separator: ", ")): "
                + "restore into empty topics, or pass --if-not-empty resume to carry on a restore that stopped")
        }
        let producer = try KafkaProducer(config: kafka, logger: logger)
        var report = RestoreReport(startedAt: started)
        for partition in archives.keys.sorted() {
            let from = targets[partition]?.high ?? 0
            report.partitions.append(try restore(partition, archives[partition]!, from: from, until: until, producer: producer))
        }
        report.finishedAt = Date()
        return report
    }

    /// Why `archive`'s segments cannot be restored as a whole: they do not chain from offset 0.
    static func chainProblem(_ archive: PartitionArchive) -> String? {
        var expected: Int64 = 0
        for range in archive.manifested {
            if range.start != expected { return "the archive's segments do not chain at offset \(expected) (next starts at \(range.start))" }
            expected = range.end
        }
        return nil
    }

    private func restore(_ partition: TopicPartition, _ archive: PartitionArchive, from: Int64, until: Until?,
                         producer: KafkaProducer) throws -> RestoreReport.Partition {
        var result = RestoreReport.Partition(partition: partition, targetStart: from)
        for range in archive.manifested where range.end > from {
            var chosen = try segmentRecords(partition, range).filter { $0.offset >= from }
            // --until restores a prefix of the log: everything before the first record it does not admit.
            if let until, let cut = chosen.firstIndex(where: { !until.admits($0) }) {
                result.stoppedAt = chosen[cut].offset
                chosen.removeSubrange(cut...)
            }
            if !chosen.isEmpty {
                let records = chosen.map {
                    KafkaRecord(topic: partition.topic, key: $0.key, value: $0.value ?? [], headers: $0.headers,
                                partition: partition.partition, timestampMilliseconds: $0.timestampMilliseconds)
                }
                let deliveries = try blockingWait { await producer.sendAll(records) }
                for (record, delivery) in zip(chosen, deliveries) {
                    let stored = try delivery.get()
                    if stored.offset != record.offset { result.offsetsMoved += 1 }
                    result.restoredEnd = stored.offset + 1
                }
                result.records += chosen.count
                result.nullValuesWrittenEmpty += chosen.filter { $0.value == nil }.count
                logger.info("restored segment", metadata: [
                    "partition": "\(partition)", "start": "\(range.start)", "end": "\(range.end)", "records": "\(chosen.count)",
                ])
            }
            if result.stoppedAt != nil { break }
        }
        return result
    }

    /// The records of one segment, checked against its manifest first (`ArchivedSegment`).
    private func segmentRecords(_ partition: TopicPartition, _ range: PartitionArchive.Range) throws -> [ArchivedRecord] {
        do {
            return try ArchivedSegment.read(partition, range, store: store, layout: layout).records
        } catch let problem as ArchivedSegment.Problem {
            throw ArchiveRunError("\(problem); nothing of it was restored (`annals archive verify` lists every such segment)")
        }
    }
}

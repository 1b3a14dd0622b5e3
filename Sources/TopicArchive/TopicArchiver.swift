import AWSSupport
import Foundation
import Kafka
import Logging

/// Copies topics' records into the archive bucket: per partition, what is new since the archive's end, as
/// immutable segments, each followed by its manifest. A run stopped between a segment and its manifest leaves a
/// segment the next run checks and completes; a run stopped earlier leaves nothing. Blocking: run it on a thread
/// of its own. One archiver per prefix at a time.
public struct TopicArchiver: Sendable {
    public let store: ArchiveStore
    public let layout: ArchiveLayout
    public let kafka: KafkaConfig
    public let settings: ArchiveSettings
    let logger: Logger

    public init(store: ArchiveStore, layout: ArchiveLayout, kafka: KafkaConfig, settings: ArchiveSettings, logger: Logger) {
        self.store = store
        self.layout = layout
        self.kafka = kafka
        self.settings = settings
        self.logger = logger
    }

    /// Archives what is new in every partition of `topics`, up to the high watermarks read at the start. Once
    /// `shouldStop` answers true the run ends after the segment in hand (its manifest written), as a clean stop.
    public func archive(topics: [String], shouldStop: @Sendable () -> Bool = { false }) throws -> ArchiveRunReport {
        let started = Date()
        let archives = PartitionArchive.partitions(in: try store.list(prefix: layout.root).map(\.key), layout: layout)
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        let known = Set(try admin.topics().map(\.name))
        let missing = topics.filter { !known.contains($0) }
        guard missing.isEmpty else {
            throw ArchiveRunError("no topic \(missing.joined(separator: ", ")) on the cluster (it has \(known.sorted().joined(separator: ", ")))")
        }
        let watermarks = try admin.watermarks(ofTopics: Set(topics))
        var report = ArchiveRunReport(startedAt: started)
        for partition in watermarks.keys.sorted() {
            let (low, high) = watermarks[partition]!
            let existing = archives[partition] ?? PartitionArchive(topic: partition.topic, partition: partition.partition,
                                                                   manifested: [], unmanifested: [], missingSegments: [])
            if shouldStop() { break }
            report.partitions.append(try archive(partition, existing, logStart: low, logEnd: high, shouldStop: shouldStop))
        }
        report.finishedAt = Date()
        return report
    }

    private func archive(_ partition: TopicPartition, _ existing: PartitionArchive, logStart: Int64, logEnd: Int64,
                         shouldStop: @Sendable () -> Bool) throws -> ArchiveRunReport.Partition
    {
        var result = ArchiveRunReport.Partition(partition: partition, logStart: logStart, logEnd: logEnd)
        var end = existing.end
        if let resumable = existing.resumable {
            try completeManifest(partition, resumable)
            result.completedManifests += 1
            end = resumable.end
        }
        result.archiveEndBefore = end
        switch ArchivePlan.plan(archiveEnd: end, logStart: logStart, logEnd: logEnd) {
        case .upToDate:
            break
        case .aheadOfLog(let archiveEnd, let logEnd):
            result.problem = "the archive ends at offset \(archiveEnd), past the log's end \(logEnd): the topic was "
                + "recreated or truncated since; archive it under another prefix"
            logger.error("archive ahead of the log", metadata: ["partition": "\(partition)", "problem": "\(result.problem!)"])
        case .archive(let from, let to, let lost):
            if let lost {
                result.lost = lost
                logger.error("records deleted before they were archived", metadata: [
                    "partition": "\(partition)", "from-offset": "\(lost.lowerBound)", "to-offset": "\(lost.upperBound)",
                    "records": "\(lost.count)",
                ])
            }
            if from < to { try copy(partition, from: from, to: to, into: &result, shouldStop: shouldStop) }
        }
        result.archiveEndAfter = result.segments > 0 ? result.lastEnd : end
        return result
    }

    /// Reads `[from, to)` into segments.
    private func copy(_ partition: TopicPartition, from: Int64, to: Int64, into result: inout ArchiveRunReport.Partition,
                      shouldStop: @Sendable () -> Bool) throws {
        let reader = try PartitionReader(config: kafka, partition: partition, from: from,
                                         groupID: "annals-archive-\(ProcessInfo.processInfo.processIdentifier)", logger: logger)
        defer { reader.close() }
        var position = from
        while position < to, !shouldStop() {
            let messages = try reader.read(before: to, maxRecords: settings.segmentRecords, maxBytes: settings.segmentBytes,
                                           stallSeconds: settings.stallSeconds)
            guard let last = messages.last else { break }
            let end = last.offset + 1 >= to ? to : last.offset + 1
            let manifest = try store(partition, records: messages.map(ArchivedRecord.init), start: position, end: end)
            result.add(manifest)
            logger.info("archived segment", metadata: [
                "partition": "\(partition)", "start": "\(position)", "end": "\(end)", "records": "\(manifest.records)",
                "bytes": "\(manifest.compressedBytes)",
            ])
            position = end
        }
    }

    /// Stores `records` as the segment `[start, end)`, then its manifest.
    private func store(_ partition: TopicPartition, records: [ArchivedRecord], start: Int64, end: Int64) throws -> SegmentManifest {
        let raw = SegmentCodec.encode(topic: partition.topic, partition: partition.partition, records: records)
        let compressed = try Gzip.compress(raw)
        let key = layout.segmentKey(topic: partition.topic, partition: partition.partition, start: start, end: end)
        let manifest = SegmentManifest(describing: records, of: partition, range: .init(start: start, end: end),
                                       stored: compressed, uncompressedBytes: raw.count)
        if try store.putNew(key, body: compressed, contentType: "application/gzip") == .alreadyThere {
            // Written by a run that stopped before its manifest, or by another archiver: keep it only if identical.
            guard let stored = try store.get(key), S3Client.sha256Hex(stored) == manifest.sha256 else {
                throw ArchiveRunError("\(key) already holds a different segment: is another archiver writing to this prefix?")
            }
        }
        _ = try store.putNew(layout.manifestKey(topic: partition.topic, partition: partition.partition, start: start, end: end),
                             body: manifest.encoded(), contentType: "application/json")
        return manifest
    }

    /// Checks the segment a stopped run stored without its manifest and writes the manifest.
    private func completeManifest(_ partition: TopicPartition, _ range: PartitionArchive.Range) throws {
        let key = layout.segmentKey(topic: partition.topic, partition: partition.partition, start: range.start, end: range.end)
        guard let stored = try store.get(key) else { throw ArchiveRunError("\(key) was listed but cannot be read") }
        let raw: [UInt8], decoded: SegmentCodec.Decoded
        do {
            raw = try Gzip.decompress(stored, limit: SegmentVerifier.uncompressedLimit)
            decoded = try SegmentCodec.decode(raw)
        } catch {
            throw ArchiveRunError("\(key), left without a manifest by a stopped run, is unreadable (\(error)): delete it and run again")
        }
        if let problem = SegmentVerifier.problem(in: decoded, topic: partition.topic, partition: partition.partition, range: range) {
            throw ArchiveRunError("\(key), left without a manifest by a stopped run: \(problem): delete it and run again")
        }
        let manifest = SegmentManifest(describing: decoded.records, of: partition, range: range, stored: stored,
                                       uncompressedBytes: raw.count)
        _ = try store.putNew(layout.manifestKey(topic: partition.topic, partition: partition.partition, start: range.start, end: range.end),
                             body: manifest.encoded(), contentType: "application/json")
        logger.warning("completed the manifest of a segment a stopped run left", metadata: ["segment": "\(key)"])
    }

}

/// An archive run that cannot go on; the message says why and what to do.
public struct ArchiveRunError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

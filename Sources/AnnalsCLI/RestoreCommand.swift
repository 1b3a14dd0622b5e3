import ArgumentParser
import Foundation
import Kafka
import Logging
import Projection
import TopicArchive

/// `annals restore`: archived records written back into (empty) topics.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Write the archive's records back into empty topics, partition by partition, as they were.",
        discussion: """
        Each partition's segments are read in offset order, each checked against its manifest's SHA-256, and \
        their records produced to the same partition with their keys, values, headers and timestamps (an \
        idempotent producer, acks=all), so that in empty topics every record gets its archived offset again. \
        The target topics must exist (`annals topics apply`) with at least the archive's partitions; a target \
        partition that already holds records refuses the restore unless --if-not-empty resume takes them as an \
        earlier restore's and carries on from its end. --until restores a prefix of each partition. Then rebuild \
        the tables with `annals replay <projection>` and check them with `annals verify`. Examples:
          annals restore --bucket annals-dr --brokers new-kafka:9092
          annals restore --bucket annals-dr --topics story-event --until 2026-12-06T18:00:00Z
        """)

    @OptionGroup var bucket: ArchiveBucketOptions
    @OptionGroup var kafka: KafkaOptions

    @Option(help: ArgumentHelp("Topics to restore, comma-separated (default: every topic in the archive).", valueName: "topics"))
    var topics: String?

    @Option(help: ArgumentHelp(
        "Restore each partition only up to here: an offset (records before it) or an RFC 3339 time (records up to "
            + "the first one stamped after it).", valueName: "offset|time"))
    var until: String?

    @Option(help: "A target partition that already holds records: refuse, or resume a restore that stopped.")
    var ifNotEmpty: TopicRestorer.NonEmptyTarget = .refuse

    func validate() throws {
        _ = try untilBound()
    }

    func untilBound() throws -> TopicRestorer.Until? {
        guard let until else { return nil }
        if let offset = Int64(until) {
            guard offset >= 0 else { throw ValidationError("--until \(until): an offset must be 0 or more") }
            return .offset(offset)
        }
        guard let date = InternetTime.date(until) else {
            throw ValidationError("--until \(until): give an offset (12345) or an RFC 3339 time (2026-12-06T18:00:00Z)")
        }
        return .timestampMilliseconds(Int64((date.timeIntervalSince1970 * 1_000).rounded(.down)))
    }

    func run() async throws {
        let logger = Logger(label: "annals.restore")
        let (layout, store, metadata) = try bucket.store(attempts: ArchiveSettings().storeAttempts, logger: logger)
        let restorer = TopicRestorer(store: store, layout: layout, kafka: try kafka.kafkaConfig(), logger: logger)
        logger.info("restoring", metadata: metadata)
        let only = topics.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let until = try untilBound(), nonEmpty = ifNotEmpty
        let report: RestoreReport
        do {
            report = try await onOwnThread { try restorer.restore(topics: only, until: until, nonEmpty: nonEmpty) }
        } catch {
            throw CLIError("restore: \(error)")
        }
        for partition in report.partitions {
            var line = "\(partition.partition): \(partition.records) records written from offset \(partition.targetStart)"
            if let end = partition.restoredEnd { line += ", the partition now ends at \(end)" }
            if let stopped = partition.stoppedAt { line += "; stopped by --until before offset \(stopped)" }
            if partition.offsetsMoved > 0 { line += "; \(partition.offsetsMoved) records got other offsets than archived" }
            if partition.nullValuesWrittenEmpty > 0 { line += "; \(partition.nullValuesWrittenEmpty) null values written empty" }
            print(line)
        }
        let seconds = (report.finishedAt ?? Date()).timeIntervalSince(report.startedAt)
        print("restored \(report.records) records in \(String(format: "%.1f", seconds)) s; rebuild the tables with "
            + "`annals replay <projection>` and check them with `annals verify`")
    }
}

extension TopicRestorer.NonEmptyTarget: ExpressibleByArgument {}

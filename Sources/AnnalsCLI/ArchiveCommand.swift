import AnnalsEvents
import ArgumentParser
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import TopicArchive
import WorkerHTTP

/// `annals archive`: the topics copied to object storage, incrementally; `annals archive verify` checks the copy.
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Copy the topics' records to S3 as immutable segments, incrementally, or verify the copy.",
        discussion: """
        The topics are Annals' source of truth: every table is rebuilt from them. `annals archive` copies what is \
        new in each partition since the archive's end (every record's key, value, headers, timestamp and offset) \
        into gzip segments under <prefix>/<topic>/<partition>/, each followed by a manifest holding its offset \
        range, record count and SHA-256. Segments are never rewritten. A run stopped part-way leaves either \
        nothing or a segment whose manifest the next run completes, so runs resume without gap or duplicate. A \
        partition whose log start has moved past the archive's end (records deleted before they were archived) is \
        reported as a gap and the run exits 1. One archiver per prefix at a time. Examples:
          annals archive --bucket annals-dr --brokers kafka:9092
          annals archive --bucket annals-dr --endpoint http://127.0.0.1:5000 --topics story-event
          annals archive verify --bucket annals-dr
        """,
        subcommands: [ArchiveRunCommand.self, ArchiveVerifyCommand.self],
        defaultSubcommand: ArchiveRunCommand.self)
}

/// `annals archive [run]`.
struct ArchiveRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Archive what is new in the topics (the default of `annals archive`).")

    @OptionGroup var bucket: ArchiveBucketOptions
    @OptionGroup var kafka: KafkaOptions

    @Option(help: ArgumentHelp("Topics to archive, comma-separated (default: the four Annals topics).", valueName: "topics"))
    var topics: String?

    @Option(help: "Records per segment at most.")
    var segmentRecords = 100_000

    @Option(help: "A segment closes once its keys and values reach this many MiB.")
    var segmentMib = 64

    @Flag(help: "Print the run's report as JSON.")
    var json = false

    @Flag(help: ArgumentHelp(
        "Keep archiving: a run every --interval until SIGTERM, with /healthz, /readyz and /metrics (archive lag in "
            + "records and seconds) on --http-port."))
    var follow = false

    @Option(help: "With --follow, the time between the starts of two runs: 500ms, 30s, 5m.")
    var interval = "60s"

    @Option(help: "With --follow, the port of /healthz, /readyz and /metrics; 0 turns them off (default: $ANNALS_HTTP_PORT, else 9464).")
    var httpPort: Int?

    @Option(help: "With --follow, the address the HTTP endpoints bind to.")
    var httpHost = "0.0.0.0"

    func validate() throws {
        let problems = settings.problems
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
        if try DurationText.parse(interval, option: "--interval") < .seconds(1) {
            throw ValidationError("--interval \(interval): at least 1s")
        }
        if !follow, httpPort != nil { throw ValidationError("--http-port serves the endpoints of --follow: add --follow") }
    }

    var settings: ArchiveSettings {
        ArchiveSettings(segmentRecords: segmentRecords, segmentBytes: min(segmentMib, 1 << 12) << 20)
    }

    var topicList: [String] {
        topics.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            ?? AnnalsTopic.allCases.map(\.rawValue)
    }

    func run() async throws {
        let logger = Logger(label: "annals.archive")
        // Before any instrument is made: instruments made before the backend is installed would record nowhere.
        _ = PrometheusBootstrap.registry
        let (layout, store, metadata) = try bucket.store(attempts: settings.storeAttempts, logger: logger)
        let archiver = TopicArchiver(store: store, layout: layout, kafka: try kafka.kafkaConfig(), settings: settings, logger: logger)
        logger.info("archiving", metadata: metadata.merging(["topics": "\(topicList.joined(separator: ","))"]) { first, _ in first })
        let topics = topicList
        if follow {
            return try await self.follow(archiver, topics: topics, logger: logger)
        }
        let report: ArchiveRunReport
        do {
            report = try await onOwnThread { try archiver.archive(topics: topics) }
        } catch {
            throw CLIError("archive: \(error)")
        }
        print(json ? try ArchiveReportLayout.json(report) : ArchiveReportLayout.text(report))
        if !report.troubled.isEmpty { throw ExitCode(1) }
    }
}

extension ArchiveRunCommand {
    /// Runs the archiver every --interval with its HTTP endpoints, until SIGTERM or SIGINT.
    func follow(_ archiver: TopicArchiver, topics: [String], logger: Logger) async throws {
        let registry = PrometheusBootstrap.registry
        let interval = try DurationText.parse(self.interval, option: "--interval")
        let follower = ArchiveFollower(archiver: archiver, topics: topics, interval: interval, logger: logger)
        var services: [any Service] = []
        let port = try WorkerOptions.port(httpPort)
        if port != 0 {
            let router = WorkerEndpoints.router(registry: registry) {
                let health = follower.health
                return WorkerEndpoints.readinessResponse(failing: health.failing(interval: interval), fields: [
                    "\"runs\":\(health.runs)",
                    "\"secondsSinceCaughtUp\":\(health.secondsSinceCaughtUp.map { String(Int($0)) } ?? "null")",
                    "\"gaps\":[\(health.gaps.map(WorkerEndpoints.jsonString).joined(separator: ","))]",
                ] + (health.lastError.map { ["\"error\":\(WorkerEndpoints.jsonString($0))"] } ?? []))
            }
            services.append(WorkerEndpoints.service(router, host: httpHost, port: port, logger: logger))
        }
        let group = ServiceGroup(services: services + [follower], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// `annals archive verify`.
struct ArchiveVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read the archive: every segment against its manifest's SHA-256, and each partition's offsets contiguous from 0.",
        discussion: "Exits 1 naming the first problem (and listing the rest) when any is found.")

    @OptionGroup var bucket: ArchiveBucketOptions

    @Option(help: ArgumentHelp("Only these topics, comma-separated (default: every topic in the archive).", valueName: "topics"))
    var topics: String?

    func run() async throws {
        let logger = Logger(label: "annals.archive")
        let (layout, store, _) = try bucket.store(attempts: ArchiveSettings().storeAttempts, logger: logger)
        let verifier = ArchiveVerifier(store: store, layout: layout, logger: logger)
        let only = topics.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        let report: ArchiveVerifier.Report
        do {
            report = try await onOwnThread { try verifier.verify(topics: only) }
        } catch {
            throw CLIError("archive verify: \(error)")
        }
        for note in report.notes { print("note: \(note)") }
        guard report.problems.isEmpty else {
            StandardError.write("archive verify: \(report.problems[0])\n")
            for problem in report.problems.dropFirst() { StandardError.write("  also: \(problem)\n") }
            throw ExitCode(1)
        }
        if report.partitions == 0 {
            StandardError.write("archive verify: nothing archived under \(layout.root.isEmpty ? "the bucket's root" : layout.root)\n")
            throw ExitCode(1)
        }
        print("archive verified: \(report.partitions) partitions, \(report.segments) segments, \(report.records) records, "
            + "\(report.compressedBytes) bytes; every checksum matches and offsets are contiguous from 0")
    }
}

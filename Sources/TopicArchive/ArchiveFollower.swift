import Foundation
import Kafka
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// `annals archive --follow`: an archive run every `interval` for as long as the process lives, its lag on
/// `/metrics` and its health for `/readyz`. Graceful shutdown ends the run in hand after its current segment.
///
/// Metrics, labelled by topic and partition: `annals_archive_lag_records` (the log's end minus the archive's, as
/// of the last run), `annals_archive_lag_seconds` (since the start of the last run that caught the partition up:
/// everything older is archived, so it bounds what a loss now would lose), `annals_archive_lost_records` (deleted
/// before they were archived); and `annals_archive_records_total`, `annals_archive_bytes_total`,
/// `annals_archive_runs_total` by `outcome` (ok, gap, failed).
public final class ArchiveFollower: Service, Sendable {
    private let archiver: TopicArchiver
    private let topics: [String]
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let stopping = Atomic<Bool>(false)

    /// What `/readyz` reports.
    public struct Health: Sendable {
        /// Runs completed, with or without problems.
        public var runs = 0
        /// The last run's failure, if it failed.
        public var lastError: String?
        /// Partitions with records deleted before they were archived, ever seen by this process.
        public var gaps: [String] = []
        /// Seconds since the last run that caught every partition up; nil before the first.
        public var secondsSinceCaughtUp: Double?

        /// The checks failing: `archive` (the last run failed), `gap`, `stale` (not caught up for 3 intervals).
        public func failing(interval: Duration) -> [String] {
            var failing: [String] = []
            if lastError != nil { failing.append("archive") }
            if !gaps.isEmpty { failing.append("gap") }
            let limit = 3 * Double(interval.components.seconds) + 60
            if let seconds = secondsSinceCaughtUp, seconds > limit { failing.append("stale") }
            if secondsSinceCaughtUp == nil, runs > 0 { failing.append("stale") }
            return failing
        }
    }

    private struct State {
        var health = Health()
        /// When the run that last caught each partition up started.
        var caughtUpAt: [TopicPartition: Date] = [:]
        var lastAllCaughtUp: Date?
    }

    public init(archiver: TopicArchiver, topics: [String], interval: Duration, logger: Logger) {
        self.archiver = archiver
        self.topics = topics
        self.interval = interval
        self.logger = logger
    }

    public var health: Health {
        state.withLock { state in
            var health = state.health
            health.secondsSinceCaughtUp = state.lastAllCaughtUp.map { Date().timeIntervalSince($0) }
            return health
        }
    }

    public func run() async {
        logger.info("following", metadata: ["topics": "\(topics.joined(separator: ","))", "interval": "\(interval)"])
        await withDiscardingTaskGroup { group in
            group.addTask {
                // Keeps the lag in seconds counting between runs, to the second.
                while !self.stopping.load(ordering: .relaxed), (try? await Task.sleep(for: .seconds(1))) != nil {
                    self.publishLagSeconds()
                }
            }
            await withGracefulShutdownHandler {
                await self.follow()
            } onGracefulShutdown: {
                self.stopping.store(true, ordering: .relaxed)
            }
            self.stopping.store(true, ordering: .relaxed)
            group.cancelAll()
        }
        logger.info("stopped following")
    }

    private func follow() async {
        let clock = ContinuousClock()
        while !stopping.load(ordering: .relaxed) {
            let started = Date(), next = clock.now + interval
            do {
                let report = try await onOwnThread {
                    try self.archiver.archive(topics: self.topics, shouldStop: { self.stopping.load(ordering: .relaxed) })
                }
                record(report, startedAt: started)
            } catch {
                logger.error("archive run failed; the next run retries", metadata: ["error": "\(error)"])
                state.withLock {
                    $0.health.runs += 1
                    $0.health.lastError = "\(error)"
                }
                Counter(label: "annals_archive_runs_total", dimensions: [("outcome", "failed")]).increment()
            }
            while !stopping.load(ordering: .relaxed), clock.now < next {
                try? await Task.sleep(for: min(.seconds(1), next - clock.now))
            }
        }
    }

    private func record(_ report: ArchiveRunReport, startedAt: Date) {
        var allCaughtUp = true
        for partition in report.partitions {
            let labels = [("topic", partition.partition.topic), ("partition", String(partition.partition.partition))]
            let end = partition.archiveEndAfter ?? 0
            Gauge(label: "annals_archive_lag_records", dimensions: labels).record(Double(max(0, partition.logEnd - end)))
            if let lost = partition.lost {
                Gauge(label: "annals_archive_lost_records", dimensions: labels).record(Double(lost.count))
            }
            let caughtUp = partition.problem == nil && end >= partition.logEnd
            allCaughtUp = allCaughtUp && caughtUp
            state.withLock { state in
                if caughtUp { state.caughtUpAt[partition.partition] = startedAt }
                if partition.lost != nil || partition.problem != nil {
                    let name = partition.partition.description
                    if !state.health.gaps.contains(name) { state.health.gaps.append(name) }
                }
            }
        }
        allCaughtUp = allCaughtUp && report.partitions.count > 0
        state.withLock { state in
            state.health.runs += 1
            state.health.lastError = nil
            if allCaughtUp { state.lastAllCaughtUp = startedAt }
        }
        Counter(label: "annals_archive_records_total").increment(by: report.records)
        Counter(label: "annals_archive_bytes_total").increment(by: report.compressedBytes)
        Counter(label: "annals_archive_runs_total", dimensions: [("outcome", report.troubled.isEmpty ? "ok" : "gap")]).increment()
        publishLagSeconds()
        if report.records > 0 || !report.troubled.isEmpty {
            logger.info("archive run", metadata: [
                "records": "\(report.records)", "segments": "\(report.segments)", "bytes": "\(report.compressedBytes)",
                "troubled-partitions": "\(report.troubled.map(\.partition.description))",
            ])
        }
    }

    private func publishLagSeconds() {
        let now = Date()
        let caughtUp = state.withLock { $0.caughtUpAt }
        for (partition, at) in caughtUp {
            Gauge(label: "annals_archive_lag_seconds",
                  dimensions: [("topic", partition.topic), ("partition", String(partition.partition))]).record(now.timeIntervalSince(at))
        }
    }
}

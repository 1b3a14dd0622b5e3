import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Kafka
import Logging
import Postgres
import Synchronization

/// How far a rebuild has come.
public struct RebuildProgress: Sendable {
    /// Messages applied or dead-lettered so far.
    public var done: Int64
    /// Messages up to the high watermarks taken at start.
    public var total: Int64
    public var elapsedSeconds: Double

    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(done) / elapsedSeconds : 0 }
    /// Seconds left at the current rate, nil before there is a rate.
    public var etaSeconds: Double? {
        eventsPerSecond > 0 ? Double(max(total - done, 0)) / eventsPerSecond : nil
    }
}

/// Rebuilds a projection's tables from offset 0.
public enum ProjectionRebuild {
    /// The high watermark of every partition of the projection's topics: where a rebuild stops.
    public static func targets(for projection: any Projection, admin: KafkaAdmin) throws -> [TopicPartition: Int64] {
        let names = Set(projection.topics.map(\.rawValue))
        var targets: [TopicPartition: Int64] = [:]
        for topic in try admin.topics() where names.contains(topic.name) {
            for partition in topic.partitions {
                let tp = TopicPartition(topic: topic.name, partition: partition.id)
                targets[tp] = try admin.watermarks(tp).high
            }
        }
        let missing = names.subtracting(targets.keys.map(\.topic))
        guard missing.isEmpty else {
            throw KafkaError(code: -1, message: "topic \(missing.sorted().joined(separator: ", ")) does not exist: run `annals topics apply`")
        }
        return targets
    }

    /// In place: drops and recreates the tables, checkpoints and dead letters in one transaction, then applies
    /// every message up to the high watermarks taken at start. A live worker is fenced by the reset
    /// checkpoints and continues from the rebuilt state.
    public static func inPlace(_ projection: any Projection, kafka: KafkaConfig, databaseURL: String,
                               settings: RunnerStateMachine.Settings = .init(), logger: Logger,
                               progress: @escaping @Sendable (RebuildProgress) -> Void) throws -> RebuildProgress {
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        let targets = try targets(for: projection, admin: admin)
        let total = targets.values.reduce(0, +)
        let connection = try PostgresConnection(conninfo: databaseURL)
        try connection.transaction { tx in try ProjectionMigrator.recreate(projection, in: tx) }

        let started = DispatchTime.now().uptimeNanoseconds
        let reached = Mutex<[TopicPartition: Int64]>([:])
        let snapshot: @Sendable () -> RebuildProgress = {
            let done = reached.withLock { $0.values.reduce(0, +) }
            return RebuildProgress(done: done, total: total,
                                   elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        let configuration = RunnerConfiguration(
            kafka: kafka, groupID: "annals-replay-\(projection.name)-\(getpid())-\(started)", databaseURL: databaseURL,
            settings: settings, stopAt: targets)
        let runner = ProjectionRunner(projection: projection, configuration: configuration, logger: logger) { batch in
            reached.withLock { offsets in
                for (partition, next) in batch.checkpoints { offsets[partition] = next }
            }
            progress(snapshot())
        }
        try runner.run(until: StopSignal())
        return snapshot()
    }
}

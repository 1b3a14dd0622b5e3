import Foundation
import Kafka
import Projection

/// What `annals status` shows: every projection's partitions at one moment.
struct StatusReport: Codable, Equatable {
    var generatedAt: Date
    var projections: [ProjectionStatus]

    /// Every partition of every projection: the `--json` rows.
    var partitions: [PartitionStatus] { projections.flatMap(\.partitions) }
}

/// One projection: its versions, partitions and worker processes.
struct ProjectionStatus: Codable, Equatable {
    var name: String
    var codeVersion: Int
    /// Version the tables were built with; nil when never migrated.
    var tablesVersion: Int?
    /// Why the partitions cannot be shown (a topic missing, the broker unreachable).
    var problem: String?
    var partitions: [PartitionStatus]
    /// Worker processes with a heartbeat row, live or stale, freshest first.
    var workers: [WorkerStatus]
    /// A replay into a shadow schema that is under way or was interrupted.
    var replay: ReplayStatus? = nil
}

/// An unfinished `annals replay`: where it builds, and how far it has come.
struct ReplayStatus: Codable, Equatable {
    var shadowSchema: String
    var applied: Int64
    var total: Int64
    /// Swaps in when built; false keeps the state as of `until` for inspection.
    var swaps: Bool
    var until: String?
}

/// One partition of one of the projection's topics: a row of the table and of `--json`.
struct PartitionStatus: Codable, Equatable {
    var projection: String
    var topic: String
    var partition: Int32
    /// Next offset to apply, as stored in annals.checkpoints; nil before the first commit.
    var checkpoint: Int64?
    var highWatermark: Int64
    /// Events in the log not yet applied.
    var lag: Int64
    /// Age of the oldest unapplied event (now minus its Kafka timestamp): 0 when caught up, nil when unknown.
    var lagSeconds: Double?
    /// Why `lagSeconds` is unknown.
    var lagSecondsUnknown: String?
    /// Events per second the owner committed recently; nil without a live owner.
    var eventsPerSecond: Double?
    var deadLetters: Int
    /// The live worker whose latest heartbeat claims the partition.
    var owner: WorkerReference?
    /// Without a live owner: the last worker that claimed it, whose heartbeat has gone stale.
    var lastSeenOwner: WorkerReference?
    /// Other live workers claiming it too: a rebalance in flight, or two groups on one projection.
    var otherClaimants: [WorkerReference]?

    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// A worker process, as a partition names it.
struct WorkerReference: Codable, Equatable {
    var workerID: String
    var host: String
    var pid: Int
    var group: String
    var httpEndpoint: String?
    var heartbeatAgeSeconds: Double

    init(_ record: WorkerRecord) {
        workerID = record.identity.id
        host = record.identity.host
        pid = record.identity.pid
        group = record.identity.group
        httpEndpoint = record.identity.httpEndpoint
        heartbeatAgeSeconds = record.heartbeatAgeSeconds
    }

    var label: String { "\(host):\(pid)" }
}

/// A worker process with a heartbeat row.
struct WorkerStatus: Codable, Equatable {
    var workerID: String
    var host: String
    var pid: Int
    var group: String
    var httpEndpoint: String?
    var startedAt: Date
    var heartbeatAgeSeconds: Double
    /// False once its heartbeat is stale: it was killed, hangs or cannot reach the database.
    var live: Bool
    /// Partitions it claimed at its last heartbeat.
    var partitions: Int

    init(_ record: WorkerRecord) {
        workerID = record.identity.id
        host = record.identity.host
        pid = record.identity.pid
        group = record.identity.group
        httpEndpoint = record.identity.httpEndpoint
        startedAt = record.identity.startedAt
        heartbeatAgeSeconds = record.heartbeatAgeSeconds
        live = record.isLive
        partitions = record.partitions.count
    }

    var label: String { "\(host):\(pid)" }
}

/// The oldest unapplied event of a partition, as far as Kafka could tell.
enum OldestUnapplied: Equatable {
    /// Its Kafka timestamp, milliseconds since 1970.
    case timestamp(Int64)
    /// It could not be read; why.
    case unknown(String)
}

extension ProjectionStatus {
    /// Joins what was read about a projection into its partitions' status. Pure.
    /// `oldestUnapplied` needs entries only for partitions with a lag; `now` is when it was read.
    static func assemble(
        name: String, codeVersion: Int, tablesVersion: Int?,
        watermarks: [TopicPartition: (low: Int64, high: Int64)], checkpoints: [TopicPartition: Int64],
        deadLetters: [TopicPartition: Int], workers: [WorkerRecord],
        oldestUnapplied: [TopicPartition: OldestUnapplied], nowMilliseconds: Int64
    ) -> ProjectionStatus {
        let mine = workers.filter { $0.identity.projection == name }.sorted { $0.heartbeatAgeSeconds < $1.heartbeatAgeSeconds }
        let partitions = watermarks.sorted { $0.key < $1.key }.map { partition, marks -> PartitionStatus in
            let (low, high) = marks
            let checkpoint = checkpoints[partition]
            let lag = max(high - nextUnapplied(checkpoint: checkpoint, lowWatermark: low), 0)
            var status = PartitionStatus(
                projection: name, topic: partition.topic, partition: partition.partition, checkpoint: checkpoint, highWatermark: high,
                lag: lag, deadLetters: deadLetters[partition] ?? 0)
            switch lag == 0 ? .timestamp(nowMilliseconds) : oldestUnapplied[partition] {
            case .timestamp(let milliseconds):
                // A record's timestamp is the producer's to set: any Int64, so the age is taken without overflow.
                let (age, overflow) = nowMilliseconds.subtractingReportingOverflow(milliseconds)
                status.lagSeconds = Double(overflow ? (milliseconds < 0 ? .max : 0) : max(age, 0)) / 1_000
            case .unknown(let why): status.lagSecondsUnknown = why
            case nil: status.lagSecondsUnknown = "not read"
            }
            let claims = mine.filter { worker in worker.partitions.contains { $0.topicPartition == partition } }
            let live = claims.filter(\.isLive)
            if let owner = live.first {
                status.owner = WorkerReference(owner)
                status.eventsPerSecond = owner.partitions.first { $0.topicPartition == partition }?.eventsPerSecond
                if live.count > 1 { status.otherClaimants = live.dropFirst().map(WorkerReference.init) }
            } else if let last = claims.first {
                status.lastSeenOwner = WorkerReference(last)
            }
            return status
        }
        return ProjectionStatus(name: name, codeVersion: codeVersion, tablesVersion: tablesVersion, partitions: partitions,
                                workers: mine.map(WorkerStatus.init))
    }

    /// Where the partition's next unapplied event is: its checkpoint, else (never committed) the start of the log.
    static func nextUnapplied(checkpoint: Int64?, lowWatermark: Int64) -> Int64 {
        checkpoint ?? lowWatermark
    }
}

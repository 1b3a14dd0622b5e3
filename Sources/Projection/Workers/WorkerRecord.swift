import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Kafka

/// Who a worker process is, as its heartbeat row in `annals.workers` names it.
public struct WorkerIdentity: Sendable, Equatable {
    /// Unique per process start: a UUID, logged when the worker starts.
    public var id: String
    public var projection: String
    /// The consumer group it belongs to.
    public var group: String
    public var host: String
    public var pid: Int
    /// Base URL of its /healthz, /readyz and /metrics, when it serves them.
    public var httpEndpoint: String?
    public var startedAt: Date

    public init(id: String, projection: String, group: String, host: String, pid: Int, httpEndpoint: String?, startedAt: Date) {
        self.id = id
        self.projection = projection
        self.group = group
        self.host = host
        self.pid = pid
        self.httpEndpoint = httpEndpoint
        self.startedAt = startedAt
    }

    /// This process: a fresh id, the host name, the pid and the current time.
    public static func current(projection: String, group: String, httpEndpoint: String?) -> WorkerIdentity {
        WorkerIdentity(id: UUID().uuidString.lowercased(), projection: projection, group: group, host: hostName(),
                       pid: Int(getpid()), httpEndpoint: httpEndpoint, startedAt: Date())
    }

    /// The machine's (or container's) host name; "unknown" if it cannot be read.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "unknown" : name
    }

    /// `host:pid`, how people name a process.
    public var label: String { "\(host):\(pid)" }
}

/// What a worker did with one of its partitions over its throughput window, as stored in its heartbeat.
public struct WorkerPartitionActivity: Codable, Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// Messages committed (applied or dead-lettered) per second over the window.
    public var eventsPerSecond: Double
    /// Messages committed over the window.
    public var eventsInWindow: Int64
    public var windowSeconds: Double

    public init(topic: String, partition: Int32, eventsPerSecond: Double, eventsInWindow: Int64, windowSeconds: Double) {
        self.topic = topic
        self.partition = partition
        self.eventsPerSecond = eventsPerSecond
        self.eventsInWindow = eventsInWindow
        self.windowSeconds = windowSeconds
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// One entry per assigned partition, with its rate over `window` (zero when it has committed nothing).
    public static func of(_ partitions: [TopicPartition], over window: ThroughputWindow) -> [WorkerPartitionActivity] {
        let rates = window.rates
        return partitions.sorted().map { partition in
            let rate = rates[partition] ?? ThroughputWindow.Rate(events: 0, seconds: window.spanSeconds)
            return WorkerPartitionActivity(
                topic: partition.topic, partition: partition.partition, eventsPerSecond: rate.perSecond,
                eventsInWindow: rate.events, windowSeconds: rate.seconds)
        }
    }
}

/// A row of `annals.workers` as read back: the worker, its partitions, and how old its last heartbeat is.
public struct WorkerRecord: Sendable, Equatable {
    public var identity: WorkerIdentity
    /// How often it promised to beat.
    public var intervalSeconds: Double
    /// The partitions it was assigned at its last heartbeat, with what it did on each.
    public var partitions: [WorkerPartitionActivity]
    /// Seconds since its last heartbeat, by the database's clock (so host clocks need not agree).
    public var heartbeatAgeSeconds: Double

    public init(identity: WorkerIdentity, intervalSeconds: Double, partitions: [WorkerPartitionActivity], heartbeatAgeSeconds: Double) {
        self.identity = identity
        self.intervalSeconds = intervalSeconds
        self.partitions = partitions
        self.heartbeatAgeSeconds = heartbeatAgeSeconds
    }

    /// Missing three heartbeats (and at least 10 s, so a loaded machine's late beat is not mistaken for a dead
    /// worker) makes a worker presumed gone: killed, hung or cut off from the database.
    public var isLive: Bool {
        heartbeatAgeSeconds <= max(3 * intervalSeconds, 10)
    }
}

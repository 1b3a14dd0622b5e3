import AnnalsEvents
import Kafka
import Postgres

/// Tables that are a pure function of some topics: how to create them and how to apply a batch of events.
public protocol Projection: Sendable {
    /// Short name used in commands, checkpoints and dead letters, e.g. `story`.
    var name: String { get }
    /// Bumped whenever the tables' shape or meaning changes; tables of another version must be replayed.
    var version: Int { get }
    /// The topics it consumes.
    var topics: [AnnalsTopic] { get }
    /// The schema that holds its tables.
    var schema: String { get }
    /// Its tables, unqualified, in the order they can be truncated and compared.
    var tables: [String] { get }
    /// Schemas outside `schema` that its worker also writes and that replays never rebuild (a cache, an outbox,
    /// the record of what was done to the outside world). Its writer role may write them; empty by default.
    var auxiliarySchemas: [String] { get }
    /// Idempotent DDL creating its tables inside `schema` (a shadow schema during a rebuild).
    func migrations(schema: String) -> [String]
    /// Idempotent DDL creating secondary indexes inside `schema` that a replay leaves out while it loads the shadow
    /// and builds once before the swap, where one build costs far less than maintaining the index row by row (HNSW,
    /// GIN). Live tables get them with `migrations`. Empty by default.
    func deferredIndexes(schema: String) -> [String]
    /// Throws, saying what to do, when existing tables cannot take this code's rows (e.g. another vector dimension).
    func checkCompatibility(schema: String, connection: PostgresConnection) throws
    /// Pure per-event work done as events arrive, before their batch's transaction and while the previous
    /// batch commits (for example encoding rows). The result reaches `apply` as `ProjectedEvent.prepared`;
    /// nil means nothing was prepared and `apply` does the work itself.
    func prepare(_ event: ProjectedEvent) -> (any Sendable)?
    /// I/O a batch needs before its transaction and outside it, such as embeddings from a remote model through
    /// a cache. Runs on the committer just before the batch's transaction; returns the events to apply.
    /// Throw `TransientFailure` when the same batch may succeed later (a model timing out, rate limits): the
    /// runner pauses, backs off and retries as for a database outage, and nothing is dead-lettered.
    func complete(_ events: [ProjectedEvent], connection: PostgresConnection) throws -> [ProjectedEvent]
    /// Applies valid events inside the open transaction, each partition's events in offset order.
    /// Events already applied (same event id) must change nothing.
    func apply(_ events: [ProjectedEvent], schema: String, connection: PostgresConnection) throws
    /// Called inside the transaction that makes rebuilt tables live (a replay's swap, or the end of an in-place
    /// rebuild), after they are in `schema`: `replaced` holds the live checkpoints the rebuild's stop offsets replace
    /// (a partition absent had none). Events from there on were applied by the rebuild only, never by a live worker:
    /// a projection whose live worker does more than write its tables (e.g. queue what it decided for publishing)
    /// does it here for them. No-op by default.
    func handOver(from replaced: [TopicPartition: Int64], in tx: PostgresConnection) throws
}

extension Projection {
    public var auxiliarySchemas: [String] { [] }
    public func deferredIndexes(schema: String) -> [String] { [] }
    public func prepare(_ event: ProjectedEvent) -> (any Sendable)? { nil }
    public func complete(_ events: [ProjectedEvent], connection: PostgresConnection) throws -> [ProjectedEvent] { events }
    public func checkCompatibility(schema: String, connection: PostgresConnection) throws {}
    public func handOver(from replaced: [TopicPartition: Int64], in tx: PostgresConnection) throws {}
}

/// Where a message sits in Kafka.
public struct EventCoordinates: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// Where `message` was read from.
    public init(_ message: KafkaMessage) {
        self.init(topic: message.topic, partition: message.partition, offset: message.offset)
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    public var description: String { "\(topic)/\(partition)@\(offset)" }

    /// Hashes the numbers only: hashing the topic string costs more than the rare collision across topics.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(partition)
        hasher.combine(offset)
    }
}

/// A decoded, validated event with the coordinates it was read from.
public struct ProjectedEvent: Sendable {
    public var event: AnnalsEvent
    public var coordinates: EventCoordinates
    /// What the projection's `prepare` made of it, if anything.
    public var prepared: (any Sendable)?

    public init(event: AnnalsEvent, coordinates: EventCoordinates, prepared: (any Sendable)? = nil) {
        self.event = event
        self.coordinates = coordinates
        self.prepared = prepared
    }
}

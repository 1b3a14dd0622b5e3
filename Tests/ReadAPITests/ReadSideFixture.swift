import AnnalsEvents
import DocumentIngest
import Foundation
import Kafka
import KnowledgeBase
import Postgres
import Projection
import Scaling
import Story
import SwiftProtobuf
import TestSupport

/// A fresh database holding the sample corpus (13 documents and the story events) in `kb` and `story`, and a few
/// scale decisions in `scaling`, each written through its projection with its checkpoints, as the workers would.
struct ReadSideFixture: Sendable {
    let database: TestDatabase
    let knowledgeBase: KnowledgeBaseProjection
    let story = StoryProjection()
    let scaling = ScalingProjection()

    static var samples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Samples/knowledge-base").standardized
    }

    /// Made on a thread of its own: the blocking database work must not hold the cooperative pool, which the
    /// server under test and the tests running beside it need.
    static func make(prefix: String) async throws -> ReadSideFixture {
        try await onOwnThread { try ReadSideFixture(prefix: prefix) }
    }

    private init(prefix: String) throws {
        knowledgeBase = try KnowledgeBaseProjection(settings: .init())
        database = try TestDatabase.create(prefix: prefix)
        let connection = try database.connect()
        for projection in [knowledgeBase, story, scaling] as [any Projection] {
            try ProjectionMigrator.migrate(projection, connection: connection)
        }
        let documents = try FileManager.default.contentsOfDirectory(atPath: Self.samples.appendingPathComponent("documents").path)
            .filter { $0.hasSuffix(".md") }.sorted()
            .map { try DocumentFile.load(path: Self.samples.appendingPathComponent("documents/\($0)").path).event }
        try apply(documents.map(AnnalsEvent.documentIngested), topic: "document-ingested", to: knowledgeBase, connection)

        let lines = try String(contentsOf: Self.samples.appendingPathComponent("story-events.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.isEmpty }
        let storyEvents = try lines.map { AnnalsEvent.storyEvent(try StoryEvent(jsonString: String($0))) }
        try apply(storyEvents, topic: "story-event", to: story, connection)
        try apply(storyEvents, topic: "story-event", to: knowledgeBase, connection)
        try apply(Self.decisions.map(AnnalsEvent.scaleDecision), topic: "scale-decision", to: scaling, connection)
    }

    /// Three decisions: gold twice (1 → 5 → 7), silver once.
    static var decisions: [ScaleDecision] {
        [("gold", Tier.gold, 1, 5, 0), ("silver", .silver, 1, 3, 60), ("gold", .gold, 5, 7, 120)].enumerated().map { index, entry in
            var decision = ScaleDecision()
            decision.meta.eventID = "decision-\(index)"
            decision.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(entry.4))
            decision.decisionID = "\(entry.0)-\(index)"
            decision.tier = entry.1
            decision.currentCapacity = UInt32(entry.2)
            decision.desiredCapacity = UInt32(entry.3)
            decision.desiredOnDemand = max(1, UInt32(entry.3) / 5)
            decision.desiredSpot = UInt32(entry.3) - decision.desiredOnDemand
            decision.reason = "queue depth above target"
            decision.policyVersion = "test"
            decision.decidedAt = Google_Protobuf_Timestamp(seconds: 1_767_225_600 + Int64(entry.4))
            decision.inputs.samples = 4
            decision.inputs.queueDepth = 120
            return decision
        }
    }

    /// Applies `events` as one batch at the next offsets of partition 0, moving the checkpoint in the same
    /// transaction.
    func apply(_ events: [AnnalsEvent], topic: String, to projection: any Projection, _ connection: PostgresConnection) throws {
        let checkpoints = CheckpointStore(projection: projection.name)
        let partition = TopicPartition(topic: topic, partition: 0)
        let start = try checkpoints.load([partition], connection: connection)[partition]
        let first = start ?? 0
        let projected = events.enumerated().map { index, event in
            ProjectedEvent(event: event, coordinates: EventCoordinates(topic: topic, partition: 0, offset: first + Int64(index)))
        }
        try connection.transaction { tx in
            try projection.apply(projected, schema: projection.schema, connection: tx)
            _ = try checkpoints.advance([CheckpointMove(partition: partition, expected: start, next: first + Int64(events.count))], in: tx)
        }
    }

    /// A `document-ingested` event of `id` at `version`, in `world` ("" for a global document).
    static func document(_ id: String, version: UInt64 = 1, world: String, title: String? = nil, content: String) -> AnnalsEvent {
        var event = DocumentIngested()
        event.meta.eventID = "\(id)-v\(version)"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_700)
        event.documentID = id
        event.version = version
        event.worldID = world
        event.title = title ?? id
        event.source = "tests"
        event.content = content
        event.contentHash = "\(id)-\(version)"
        return .documentIngested(event)
    }

    /// Applies `documents` to the knowledge base as the worker would (`apply`), on a thread of its own.
    func ingest(_ documents: [AnnalsEvent]) async throws {
        try await onOwnThread {
            try apply(documents, topic: "document-ingested", to: knowledgeBase, try database.connect())
        }
    }

    func drop() { try? database.drop() }
}

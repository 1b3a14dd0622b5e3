@testable import AnnalsCLI
import Foundation
import Kafka
import Testing

@Suite struct TopicPlanTests {
    static let story = TopicSpec(name: "story-event", partitions: 4, replicationFactor: 3, retentionMs: -1,
                                 cleanupPolicy: "delete", key: "world_id", messageType: "annals.v1.StoryEvent")

    static func live(_ name: String, partitions: Int, replicas: Int) -> TopicMetadata {
        TopicMetadata(name: name, partitions: (0..<partitions).map {
            PartitionMetadata(id: Int32($0), leader: 1, replicas: (1...Int32(replicas)).map { $0 }, inSyncReplicas: [])
        })
    }

    @Test func missingTopicIsCreated() {
        let plan = TopicPlan(specs: [Self.story], live: [], liveConfigs: nil)
        #expect(plan.missing == [Self.story])
    }

    @Test func matchingTopicChangesNothing() {
        let plan = TopicPlan(specs: [Self.story], live: [Self.live("story-event", partitions: 4, replicas: 3)],
                             liveConfigs: ["story-event": ["retention.ms": "-1", "cleanup.policy": "delete"]])
        #expect(plan.missing.isEmpty && plan.differences.isEmpty && plan.matching == ["story-event"])
    }

    @Test func differencesAreReportedOneByOne() {
        let plan = TopicPlan(specs: [Self.story], live: [Self.live("story-event", partitions: 2, replicas: 1)],
                             liveConfigs: ["story-event": ["retention.ms": "604800000"]])
        #expect(plan.differences == [
            "topic story-event has 2 partitions, the file says 4",
            "topic story-event has replication factor 1, the file says 3",
            "topic story-event has retention.ms=604800000, the file says -1",
        ])
    }

    @Test func repositoryTopicFilesAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let specs = try TopicSpec.load(directory: root.appendingPathComponent("Topics").path)
        #expect(specs.map(\.name) == ["document-ingested", "metric-sample", "scale-decision", "story-event"])
        #expect(specs.allSatisfy { $0.retentionMs == -1 })
    }

    @Test func aTopicFileNamingTheWrongMessageTypeIsRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("topics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        name: story-event
        partitions: 4
        replication_factor: 3
        retention_ms: -1
        cleanup_policy: delete
        key: world_id
        message_type: annals.v1.MetricSample
        """.write(to: directory.appendingPathComponent("story-event.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: CLIError.self) { try TopicSpec.load(directory: directory.path) }
    }
}

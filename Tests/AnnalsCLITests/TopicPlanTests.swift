@testable import AnnalsCLI
import Foundation
import Kafka
import Testing

@Suite struct TopicPlanTests {
    static let story = TopicSpec(name: "story-event", partitions: 4, replicationFactor: 3, retentionMs: -1,
                                 cleanupPolicy: "delete", key: "world_id", messageType: "annals.v1.StoryEvent",
                                 minInsyncReplicas: 2)

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
                             liveConfigs: ["story-event": ["retention.ms": "-1", "cleanup.policy": "delete", "min.insync.replicas": "2"]])
        #expect(plan.missing.isEmpty && plan.differences.isEmpty && plan.matching == ["story-event"])
    }

    @Test func differencesAreReportedOneByOne() {
        let plan = TopicPlan(specs: [Self.story], live: [Self.live("story-event", partitions: 2, replicas: 1)],
                             liveConfigs: ["story-event": ["retention.ms": "604800000", "min.insync.replicas": "1"]])
        #expect(plan.differences == [
            "topic story-event has 2 partitions, the file says 4",
            "topic story-event has replication factor 1, the file says 3",
            "topic story-event has min.insync.replicas=1, the file says 2",
            "topic story-event has retention.ms=604800000, the file says -1",
        ])
    }

    @Test func repositoryTopicFilesAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let specs = try TopicSpec.load(directory: root.appendingPathComponent("Topics").path)
        #expect(specs.map(\.name) == ["document-ingested", "metric-sample", "scale-decision", "story-event"])
        #expect(specs.allSatisfy { $0.retentionMs == -1 })
    }

    @Test func everyShippedTopicNeedsTwoOfItsThreeReplicasInSync() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let specs = try TopicSpec.load(directory: root.appendingPathComponent("Topics").path)
        for spec in specs {
            #expect(spec.replicationFactor == 3, "\(spec.name)")
            #expect(spec.minInsyncReplicas == 2, "\(spec.name)")
            #expect(spec.kafkaConfig["min.insync.replicas"] == "2", "\(spec.name): set when the topic is created")
        }
    }

    static func topicFile(replication: String, minInsync: String?) -> String {
        """
        name: story-event
        partitions: 4
        replication_factor: \(replication)
        \(minInsync.map { "min_insync_replicas: \($0)" } ?? "")
        retention_ms: -1
        cleanup_policy: delete
        key: world_id
        message_type: annals.v1.StoryEvent
        """
    }

    @Test(arguments: [
        ("3", "4", "story-event.yaml: min_insync_replicas 4 must be 1 to replication_factor (3): with more, no write could be acknowledged"),
        ("1", "2", "story-event.yaml: min_insync_replicas 2 must be 1 to replication_factor (1): with more, no write could be acknowledged"),
        ("3", "0", "story-event.yaml: min_insync_replicas 0 must be 1 to replication_factor (3): with more, no write could be acknowledged"),
        ("3", "-1", "story-event.yaml: min_insync_replicas -1 must be 1 to replication_factor (3): with more, no write could be acknowledged"),
        ("3", nil, "story-event.yaml: min_insync_replicas is missing: set it (2 with replication_factor 3) so an acknowledged event survives the loss of a broker"),
        ("3", "3", nil), ("3", "1", nil), ("1", "1", nil),
    ] as [(String, String?, String?)])
    func minInsyncReplicasMustBeGivenAndAtMostTheReplicationFactor(replication: String, minInsync: String?, refusal: String?) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("topics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.topicFile(replication: replication, minInsync: minInsync)
            .write(to: directory.appendingPathComponent("story-event.yaml"), atomically: true, encoding: .utf8)
        if let refusal {
            let error = #expect(throws: CLIError.self) { try TopicSpec.load(directory: directory.path) }
            #expect(error?.description == refusal)
        } else {
            #expect(try TopicSpec.load(directory: directory.path).first?.minInsyncReplicas.map(String.init) == minInsync)
        }
    }

    @Test func aTopicFileNamingTheWrongMessageTypeIsRejected() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("topics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        name: story-event
        partitions: 4
        replication_factor: 3
        min_insync_replicas: 2
        retention_ms: -1
        cleanup_policy: delete
        key: world_id
        message_type: annals.v1.MetricSample
        """.write(to: directory.appendingPathComponent("story-event.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: CLIError.self) { try TopicSpec.load(directory: directory.path) }
    }
}

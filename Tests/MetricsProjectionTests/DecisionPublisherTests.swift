import AnnalsEvents
import Foundation
import Kafka
import Logging
@testable import MetricsProjection
import Postgres
import Projection
import Testing
import TestSupport

/// The outbox's publisher against the Kafka protocol (a mock cluster) and a real PostgreSQL.
@Suite(.timeLimit(.minutes(4)))  // a Kafka cluster, a database and a consumer: minutes on a loaded 2-core CI machine
struct DecisionPublisherTests {
    static let logger: Logger = {
        var logger = Logger(label: "test.publisher")
        logger.logLevel = .critical
        return logger
    }()

    @Test func queuedDecisionsArePublishedInOrderKeyedByTierAndMarkedSentOnce() async throws {
        let kafka = try TestKafkaCluster(topics: ["scale-decision": 3])
        let (database, _) = try MetricsProjectionDatabaseTests.database("metrics_publisher")
        defer { try? database.drop() }
        let queued = try await onOwnThread { () -> [DecisionOutbox.Entry] in
            let db = try database.connect()
            let events = MetricsProjectionDatabaseTests.events(try MetricTraceFile.samples("spike"))
            try MetricsProjectionDatabaseTests.apply(events, MetricsProjection(queuesDecisions: true), batchSize: 200, connection: db)
            return try DecisionOutbox.unsent(limit: 10_000, connection: db)
        }
        #expect(queued.count > 3)

        // Rounds of 2 decisions: the publisher goes on until the outbox is empty.
        let publisher = try DecisionPublisher(databaseURL: database.url, kafka: kafka.config, logger: Self.logger, roundSize: 2)
        await publisher.publishQueued()

        let consumer = TestConsumer(config: kafka.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("publisher"),
                                    topics: ["scale-decision"])
        let state = try await consumer.waitUntil("every queued decision") { $0.messages.count >= queued.count }
        var published: [String: [String]] = [:]
        for message in state.messages.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            guard case .scaleDecision(let decision) = try AnnalsTopic.scaleDecision.decode(binary: message.value ?? []) else {
                Issue.record("not a ScaleDecision at \(message.partition)@\(message.offset)")
                continue
            }
            #expect(message.key == Array(decision.tier.name.utf8))
            #expect(message.headers.contains {
                $0.key == AnnalsTopic.messageTypeHeader && $0.value == Array("annals.v1.ScaleDecision".utf8)
            })
            published[decision.tier.name, default: []].append(decision.decisionID)
        }
        let expected = Dictionary(grouping: queued, by: \.tier).mapValues { $0.map(\.decisionID) }
        #expect(published == expected, "each tier's decisions in the order made, each once")
        #expect(try await onOwnThread { try DecisionOutbox.unsent(limit: 10, connection: try database.connect()) }.isEmpty)

        // Nothing is left to send: another round publishes nothing.
        await publisher.publishQueued()
        let polls = consumer.snapshot.pollCount
        let after = try await consumer.waitUntil("50 more polls") { $0.pollCount >= polls + 50 }
        #expect(after.messages.count == queued.count)
        try await consumer.close()
    }

    @Test func decisionsSentButNotMarkedBeforeACrashAreMarkedFromTheTopicNotSentAgain() async throws {
        let kafka = try TestKafkaCluster(topics: ["scale-decision": 3])
        let (database, _) = try MetricsProjectionDatabaseTests.database("metrics_publisher_unmarked")
        defer { try? database.drop() }
        let queued = try await onOwnThread { () -> Int in
            let db = try database.connect()
            let events = MetricsProjectionDatabaseTests.events(try MetricTraceFile.samples("spike"))
            try MetricsProjectionDatabaseTests.apply(events, MetricsProjection(queuesDecisions: true), connection: db)
            return try DecisionOutbox.unsent(limit: 10_000, connection: db).count
        }
        #expect(queued > 3)
        await (try DecisionPublisher(databaseURL: database.url, kafka: kafka.config, logger: Self.logger)).publishQueued()
        func onTopic() throws -> Int64 {
            let admin = try KafkaAdmin(config: kafka.config, logger: Self.logger)
            return try (0..<3).reduce(0) { $0 + (try admin.watermarks(TopicPartition(topic: "scale-decision", partition: $1)).high) }
        }
        #expect(try onTopic() == Int64(queued))

        // The broker had them, but the worker died before marking them sent.
        _ = try await onOwnThread { try database.connect().execute("UPDATE metrics_outbox.decisions SET sent_at = NULL") }
        await (try DecisionPublisher(databaseURL: database.url, kafka: kafka.config, logger: Self.logger)).publishQueued()
        #expect(try await onOwnThread { try DecisionOutbox.unsent(limit: 10, connection: try database.connect()) }.isEmpty)
        #expect(try onTopic() == Int64(queued), "found on scale-decision, so marked sent rather than sent again")
    }

    @Test func aBrokerThatDoesNotTakeTheDecisionsLeavesThemQueued() async throws {
        let (database, _) = try MetricsProjectionDatabaseTests.database("metrics_publisher_down")
        defer { try? database.drop() }
        let count = try await onOwnThread { () -> Int in
            let db = try database.connect()
            let events = MetricsProjectionDatabaseTests.events(try MetricTraceFile.samples("spike"))
            try MetricsProjectionDatabaseTests.apply(events, MetricsProjection(queuesDecisions: true), connection: db)
            return try DecisionOutbox.unsent(limit: 10_000, connection: db).count
        }
        // Nothing listens there, and deliveries time out soon: every send fails.
        let config = KafkaConfig(brokers: "127.0.0.1:1", properties: ["message.timeout.ms": "500"])
        let publisher = try DecisionPublisher(databaseURL: database.url, kafka: config, logger: Self.logger)
        await publisher.publishQueued()
        let left = try await onOwnThread { try DecisionOutbox.unsent(limit: 10_000, connection: try database.connect()).count }
        #expect(left == count && count > 0)
    }
}

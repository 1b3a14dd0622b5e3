import Foundation
@testable import Kafka
import Logging
import TestSupport
import Testing

@Suite("Produce and consume against the mock cluster")
struct ProduceConsumeTests {
    let logger = Logger(label: "test.kafka")

    static func records(topic: String, count: Int, keys: Int) -> [KafkaRecord] {
        (0..<count).map { index in
            KafkaRecord(
                topic: topic,
                key: Array("key-\(index % keys)".utf8),
                value: Array("value-\(index)".utf8),
                headers: [KafkaHeader(key: "index", value: Array("\(index)".utf8)), KafkaHeader(key: "empty", value: nil)]
            )
        }
    }

    @Test func keyedMessagesComeBackInPerPartitionOffsetOrder() async throws {
        let cluster = try TestKafkaCluster(topics: ["events": 4])
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        let records = Self.records(topic: "events", count: 200, keys: 10)
        let reports = try await producer.sendAll(records).map { try $0.get() }
        #expect(reports.count == 200)
        #expect(producer.pendingDeliveries == 0)

        // Same key → same partition.
        var partitionOfKey: [String: Int32] = [:]
        for (record, report) in zip(records, reports) {
            let key = String(decoding: record.key ?? [], as: UTF8.self)
            #expect(partitionOfKey[key, default: report.partition] == report.partition)
            partitionOfKey[key] = report.partition
        }
        #expect(Set(partitionOfKey.values).count > 1, "10 keys should spread over more than one of 4 partitions")

        let consumer = TestConsumer(config: cluster.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID(), topics: ["events"])
        let state = try await consumer.waitUntil("200 messages") { $0.messages.count >= 200 }
        try await consumer.close()
        #expect(state.messages.count == 200)

        let byPartition = Dictionary(grouping: state.messages, by: \.partition)
        for (partition, messages) in byPartition {
            #expect(messages.map(\.offset) == Array(0..<Int64(messages.count)), "partition \(partition) in offset order")
            // Within a partition, records keep the order they were produced in.
            let indices = messages.map { Int(String(decoding: $0.headers.first?.value ?? [], as: UTF8.self)) ?? -1 }
            #expect(indices == indices.sorted())
        }
        let first = try #require(state.messages.first { $0.partition == reports[0].partition && $0.offset == reports[0].offset })
        #expect(first.value == records[0].value)
        #expect(first.key == records[0].key)
        #expect(first.headers == records[0].headers)
        #expect(first.timestampMilliseconds != nil)
    }

    @Test func singleSendReturnsTheDeliveryReport() async throws {
        let cluster = try TestKafkaCluster(topics: ["single": 2])
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        let first = try await producer.send(KafkaRecord(topic: "single", key: nil, value: [1, 2, 3], partition: 1))
        let second = try await producer.send(KafkaRecord(topic: "single", key: nil, value: [4], partition: 1))
        #expect(first == DeliveryReport(topic: "single", partition: 1, offset: 0))
        #expect(second == DeliveryReport(topic: "single", partition: 1, offset: 1))
        try producer.flush(timeoutMilliseconds: 5_000)
        #expect(producer.pendingDeliveries == 0)
    }
}

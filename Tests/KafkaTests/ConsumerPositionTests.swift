import Foundation
import Kafka
import Logging
import TestSupport
import Testing

@Suite("Consumer positions: external start offsets, seek, pause/resume")
struct ConsumerPositionTests {
    let logger = Logger(label: "test.kafka")

    func produce(_ producer: KafkaProducer, topic: String, partition: Int32, range: Range<Int>) async throws {
        let records = range.map { KafkaRecord(topic: topic, key: nil, value: Array("\(partition)-\($0)".utf8), partition: partition) }
        for result in await producer.sendAll(records) { _ = try result.get() }
    }

    @Test func consumerStartsAtTheOffsetsReturnedByOnAssign() async throws {
        let cluster = try TestKafkaCluster(topics: ["positions": 2])
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        try await produce(producer, topic: "positions", partition: 0, range: 0..<10)
        try await produce(producer, topic: "positions", partition: 1, range: 0..<10)

        let p0 = TopicPartition(topic: "positions", partition: 0)
        let consumer = TestConsumer(
            config: cluster.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID(), topics: ["positions"],
            startOffsets: [p0: 5]  // checkpoint for p0 only: p1 starts at the beginning
        )
        let state = try await consumer.waitUntil("15 messages") { $0.messages.count >= 15 }
        #expect(state.messages.filter { $0.partition == 0 }.map(\.offset) == Array(5..<10))
        #expect(state.messages.filter { $0.partition == 1 }.map(\.offset) == Array(0..<10))

        // Seek back (a replay from a checkpoint): the partition is read again from offset 2.
        try await consumer.perform { try $0.seek(p0, to: 2) }
        let replayed = try await consumer.waitUntil("8 more messages") { $0.messages.count >= 23 }
        #expect(replayed.messages.dropFirst(15).map(\.offset) == Array(2..<10))
        #expect(try await consumer.perform { try $0.assignment() } == [p0, TopicPartition(topic: "positions", partition: 1)])
        try await consumer.close()
        #expect(consumer.snapshot.revokeCount == 1, "close leaves the group through the revoke callback")
    }

    @Test func pausedPartitionDeliversNothingUntilResumed() async throws {
        let cluster = try TestKafkaCluster(topics: ["paused": 1])
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        let partition = TopicPartition(topic: "paused", partition: 0)
        try await produce(producer, topic: "paused", partition: 0, range: 0..<5)

        let consumer = TestConsumer(config: cluster.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID(), topics: ["paused"])
        try await consumer.waitUntil("first 5") { $0.messages.count == 5 }
        try await consumer.perform { try $0.pause([partition]) }
        try await produce(producer, topic: "paused", partition: 0, range: 5..<10)

        // Give the paused consumer 25 polls (≥ 500 ms of fetching time) to misbehave.
        let pollsAtPause = consumer.snapshot.pollCount
        let whilePaused = try await consumer.waitUntil("25 polls while paused") { $0.pollCount >= pollsAtPause + 25 }
        #expect(whilePaused.messages.count == 5)

        try await consumer.perform { try $0.resume([partition]) }
        let resumed = try await consumer.waitUntil("all 10") { $0.messages.count >= 10 }
        #expect(resumed.messages.map(\.offset) == Array(0..<10))
        try await consumer.close()
    }

    @Test func twoMembersSplitPartitionsAndTheSurvivorTakesAllAfterAClose() async throws {
        let cluster = try TestKafkaCluster(topics: ["shared": 4])
        let group = TestKafkaCluster.uniqueGroupID()
        let first = TestConsumer(config: cluster.consumerConfig, groupID: group, topics: ["shared"])
        try await first.waitUntil("first owns 4") { $0.assigned.count == 4 }

        let second = TestConsumer(config: cluster.consumerConfig, groupID: group, topics: ["shared"])
        let split = try await second.waitUntil("second owns 2") { $0.assigned.count == 2 }
        let firstSplit = try await first.waitUntil("first owns 2") { $0.assigned.count == 2 }
        #expect(split.assigned.isDisjoint(with: firstSplit.assigned))
        #expect(firstSplit.revokeCount >= 1, "eager protocol: the first member gave everything back first")

        // Each member reads only its own partitions.
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        for partition in Int32(0)..<4 {
            try await produce(producer, topic: "shared", partition: partition, range: 0..<3)
        }
        let a = try await first.waitUntil("first reads 6") { $0.messages.count >= 6 }
        let b = try await second.waitUntil("second reads 6") { $0.messages.count >= 6 }
        #expect(Set(a.messages.map(\.topicPartition)) == firstSplit.assigned)
        #expect(Set(b.messages.map(\.topicPartition)) == split.assigned)

        try await second.close()
        let alone = try await first.waitUntil("first owns 4 again") { $0.assigned.count == 4 }
        #expect(alone.assignCount >= 3)
        try await first.close()
    }
}

@Suite("Peeking at offsets outside any group")
struct PeekTests {
    let logger = Logger(label: "test.kafka")

    @Test func peekReturnsTheMessageAtEachOffsetWithTheTimestampItWasProducedWith() async throws {
        let cluster = try TestKafkaCluster(topics: ["peek": 2])
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        let base: Int64 = 1_700_000_000_000
        let records = (0..<10).map { index in
            KafkaRecord(topic: "peek", key: nil, value: Array("v\(index)".utf8), partition: Int32(index % 2),
                        timestampMilliseconds: base + Int64(index) * 1_000)
        }
        for result in await producer.sendAll(records) { _ = try result.get() }

        let p0 = TopicPartition(topic: "peek", partition: 0)
        let p1 = TopicPartition(topic: "peek", partition: 1)
        let found = try await onOwnThread { [cluster, logger] in
            try KafkaConsumer.peek([p0: 3, p1: 0], config: cluster.config, timeoutMilliseconds: 30_000, logger: logger)
        }
        // Partition 0 holds records 0, 2, 4, 6, 8: offset 3 is record 6. Partition 1 starts with record 1.
        #expect(found[p0]?.offset == 3)
        #expect(found[p0]?.value == Array("v6".utf8))
        #expect(found[p0]?.timestampMilliseconds == base + 6_000)
        #expect(found[p1]?.offset == 0)
        #expect(found[p1]?.timestampMilliseconds == base + 1_000)
    }

    @Test func aPartitionWithNothingAtTheOffsetIsAbsentOnceTheTimeoutPasses() async throws {
        let cluster = try TestKafkaCluster(topics: ["peek-end": 1])
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        for result in await producer.sendAll([KafkaRecord(topic: "peek-end", key: nil, value: [1])]) { _ = try result.get() }
        let partition = TopicPartition(topic: "peek-end", partition: 0)
        let found = try await onOwnThread { [cluster, logger] in
            try KafkaConsumer.peek([partition: 1], config: cluster.config, timeoutMilliseconds: 500, logger: logger)
        }
        #expect(found.isEmpty)
    }
}

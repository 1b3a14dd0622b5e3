import Foundation
@testable import Kafka
import Logging
import TestSupport
import Testing

@Suite("Delivery reports: resolved exactly once, nothing leaks")
struct DeliveryTests {
    let logger = Logger(label: "test.kafka")

    @Test func reportedBoxIsReleased() {
        let registry = DeliveryRegistry()
        weak var weakPromise: DeliveryPromise?
        do {
            let promise = DeliveryPromise()
            weakPromise = promise
            let opaque = registry.retainOpaque(for: promise)
            #expect(registry.count == 1)
            _ = registry.release(opaque: opaque)
        }
        #expect(registry.count == 0)
        #expect(weakPromise == nil)
    }

    @Test func unreportedBoxesFailAndAreReleasedWhenTheClientGoes() async {
        var registry: DeliveryRegistry? = DeliveryRegistry()
        weak var weakPromise: DeliveryPromise?
        var promise: DeliveryPromise? = DeliveryPromise()
        weakPromise = promise
        if let promise { _ = registry?.retainOpaque(for: promise) }
        let waiter = promise
        promise = nil
        registry = nil  // as after rd_kafka_destroy with a message never reported
        let result = await waiter?.value()
        #expect(throws: KafkaError.self) { try result?.get() }
        _ = waiter
        #expect(weakPromise != nil)  // still held by `waiter`…
        _ = consume waiter
        #expect(weakPromise == nil)  // …and by nobody else
    }

    @Test func brokerDownFailsTheSendAfterMessageTimeoutThenRecovers() async throws {
        let cluster = try TestKafkaCluster(topics: ["outage": 1])
        var config = cluster.config
        config.messageTimeoutMilliseconds = 1_500
        let producer = try KafkaProducer(config: config, logger: logger)
        _ = try await producer.send(KafkaRecord(topic: "outage", key: nil, value: [0]))

        try cluster.cluster.setBrokerDown(1)
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaRecord(topic: "outage", key: nil, value: [1]))
        }
        #expect(producer.pendingDeliveries == 0)

        try cluster.cluster.setBrokerUp(1)
        let report = try await producer.send(KafkaRecord(topic: "outage", key: nil, value: [2]))
        #expect(report.partition == 0)
        #expect(producer.pendingDeliveries == 0)
    }

    @Test func sendAllSurvivesAFullLocalQueue() async throws {
        let cluster = try TestKafkaCluster(topics: ["bulk": 2])
        var config = cluster.config
        config["queue.buffering.max.messages"] = "50"
        let producer = try KafkaProducer(config: config, logger: logger)
        let records = (0..<1_000).map { KafkaRecord(topic: "bulk", key: Array("k\($0 % 7)".utf8), value: Array("\($0)".utf8)) }
        let results = await producer.sendAll(records)
        let reports = try results.map { try $0.get() }
        #expect(reports.count == 1_000)
        #expect(Set(reports.map { "\($0.partition)/\($0.offset)" }).count == 1_000)
        #expect(producer.pendingDeliveries == 0)
    }
}

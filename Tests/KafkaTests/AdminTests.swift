import Foundation
import Kafka
import Logging
import TestSupport
import Testing

@Suite("Admin and dev cluster")
struct AdminTests {
    let logger = Logger(label: "test.kafka")

    @Test func metadataListsTheCreatedTopics() throws {
        let cluster = try TestKafkaCluster(topics: ["alpha": 3, "beta": 1], brokers: 2)
        let admin = try KafkaAdmin(config: cluster.config, logger: logger)
        let topics = try admin.topics()
        let alpha = try #require(topics.first { $0.name == "alpha" })
        #expect(alpha.partitions.map(\.id) == [0, 1, 2])
        #expect(alpha.error == nil)
        #expect(alpha.partitions.allSatisfy { $0.replicas.count == 2 && [1, 2].contains($0.leader) })
        #expect(topics.first { $0.name == "beta" }?.partitions.count == 1)
    }

    @Test func watermarksMatchProducedCounts() async throws {
        let cluster = try TestKafkaCluster(topics: ["counted": 3])
        let producer = try KafkaProducer(config: cluster.config, logger: logger)
        let counts: [Int32: Int] = [0: 7, 1: 0, 2: 3]
        for (partition, count) in counts {
            let records = (0..<count).map { KafkaRecord(topic: "counted", key: nil, value: [UInt8($0)], partition: partition) }
            for result in await producer.sendAll(records) { _ = try result.get() }
        }
        let admin = try KafkaAdmin(config: cluster.config, logger: logger)
        for (partition, count) in counts {
            let marks = try admin.watermarks(TopicPartition(topic: "counted", partition: partition))
            #expect(marks.low == 0)
            #expect(marks.high == Int64(count), "partition \(partition)")
        }
    }

    @Test func createTopicsOnTheMockFailsWithAClearError() throws {
        let cluster = try TestKafkaCluster(topics: [:])
        let admin = try KafkaAdmin(config: cluster.config, logger: logger)
        do {
            let result = try admin.createTopics([NewTopic(name: "fresh", partitions: 2, replicationFactor: 1)], timeoutMilliseconds: 5_000)
            // A broker that implements CreateTopics answers per topic.
            Issue.record("the 2.0.2 mock unexpectedly implements CreateTopics: \(result)")
        } catch let error as KafkaError {
            #expect(error.message.contains("CreateTopics"))
            #expect(error.message.contains("KafkaDevCluster.createTopic"))
            #expect(error.code == KafkaError.Code.unsupportedFeature, "fails at once instead of waiting for a controller")
            #expect(!error.isFatal)
        }
    }

    @Test func describeTopicConfigsOnTheMockFailsWithAClearError() throws {
        let cluster = try TestKafkaCluster(topics: ["described": 1])
        let admin = try KafkaAdmin(config: cluster.config, logger: logger)
        do {
            let result = try admin.describeTopicConfigs(["described"], timeoutMilliseconds: 5_000)
            Issue.record("the 2.0.2 mock unexpectedly implements DescribeConfigs: \(result)")
        } catch let error as KafkaError {
            #expect(error.message.contains("DescribeConfigs"))
            #expect(error.code == KafkaError.Code.unsupportedFeature)
        }
    }

    @Test func invalidPropertyIsReportedByName() {
        var config = KafkaConfig(brokers: "127.0.0.1:1")
        config["no.such.property"] = "1"
        #expect(throws: KafkaError.self) { try KafkaProducer(config: config, logger: logger) }
        do {
            _ = try KafkaProducer(config: config, logger: logger)
        } catch let error as KafkaError {
            #expect(error.message.contains("no.such.property"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func configDescriptionRedactsSecrets() {
        var config = KafkaConfig(brokers: "b:9092")
        config["sasl.password"] = "hunter2"
        #expect(!config.description.contains("hunter2"))
        #expect(config.description.contains("bootstrap.servers=b:9092"))
    }

    @Test func kcatSeesTheTopics() async throws {
        let kcat = URL(fileURLWithPath: "/usr/bin/kcat")
        guard FileManager.default.isExecutableFile(atPath: kcat.path) else { return }
        let cluster = try TestKafkaCluster(topics: ["visible-to-kcat": 2])
        let process = Process()
        process.executableURL = kcat
        process.arguments = ["-b", cluster.bootstrapServers, "-L", "-m", "5"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output: String = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { _ in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        #expect(output.contains("topic \"visible-to-kcat\" with 2 partitions"))
    }
}

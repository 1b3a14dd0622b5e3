import AWSSupport
import Foundation
import Kafka
import Logging
import Testing
import TestSupport
@testable import TopicArchive

/// The archive against moto's S3 and the dev broker: thousands of records across partitions, incremental runs,
/// a run stopped between a segment and its manifest, and a tampered segment.
@Suite("Topic archive on S3", .timeLimit(.minutes(4)),
       .enabled(if: MotoServer.executable != nil, "moto[server] is not in the venv: run dev/setup"))
struct TopicArchiveStoreTests {
    static let logger = Logger(label: "annals.test.archive")
    static let topic = "story-event"

    /// One test's broker (story-event, 4 partitions), moto and bucket.
    struct Stack {
        let kafka: TestKafkaCluster
        let moto: MotoServer
        let store: ArchiveStore
        let layout = ArchiveLayout(prefix: "dr/annals")
        let producer: KafkaProducer

        init() async throws {
            kafka = try TestKafkaCluster(topics: [TopicArchiveStoreTests.topic: 4])
            moto = try await MotoServer()
            try await moto.createBucket("annals-dr")
            let s3 = try S3Client(bucket: "annals-dr", region: "us-east-1", endpoint: try AWSEndpoint(parsing: moto.endpoint),
                                  credentials: .fixed(AWSCredentials(accessKeyID: "test", secretAccessKey: "test")))
            store = ArchiveStore(s3: s3, attempts: 3, logger: TopicArchiveStoreTests.logger)
            producer = try KafkaProducer(config: kafka.config, logger: TopicArchiveStoreTests.logger)
        }

        static let boto3 = """
            import os, sys, boto3
            s3 = boto3.client('s3', endpoint_url=os.environ['MOTO_ENDPOINT'], region_name='us-east-1',
                              aws_access_key_id='test', aws_secret_access_key='test')

            """

        func archiver(segmentRecords: Int = 400) -> TopicArchiver {
            TopicArchiver(store: store, layout: layout, kafka: kafka.config,
                          settings: ArchiveSettings(segmentRecords: segmentRecords), logger: TopicArchiveStoreTests.logger)
        }

        /// Records `range` of story-event: keys spread over partitions, two headers (one null), set timestamps.
        func publish(_ range: Range<Int>) async throws {
            let records = range.map { index in
                KafkaRecord(topic: TopicArchiveStoreTests.topic, key: Array("world-\(index % 11)".utf8),
                            value: Array("event \(index) ".utf8) + Array(repeating: UInt8(index % 251), count: index % 300),
                            headers: [KafkaHeader(key: "annals-type", value: Array("annals.v1.StoryEvent".utf8)),
                                      KafkaHeader(key: "trace", value: index % 5 == 0 ? nil : Array("t-\(index)".utf8))],
                            timestampMilliseconds: 1_764_000_000_000 + Int64(index) * 1_000)
            }
            for result in await producer.sendAll(records) { _ = try result.get() }
        }

        /// Every record of the topic as the broker holds it, by partition.
        func logRecords(of cluster: TestKafkaCluster? = nil) async throws -> [Int32: [ArchivedRecord]] {
            let kafka = cluster ?? self.kafka
            let messages = try await onOwnThread {
                let ranges = try KafkaAdmin(config: kafka.config, logger: TopicArchiveStoreTests.logger)
                    .watermarks(ofTopics: [TopicArchiveStoreTests.topic])
                return try KafkaConsumer.read(ranges, config: kafka.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("archive-read"),
                                       logger: TopicArchiveStoreTests.logger)
            }
            return Dictionary(grouping: messages.map { ($0.partition, ArchivedRecord($0)) }, by: \.0).mapValues { $0.map(\.1) }
        }

        /// Every record the archive holds, by partition, read back segment by segment in key order.
        func archivedRecords() async throws -> [Int32: [ArchivedRecord]] {
            let store = self.store, layout = self.layout
            return try await onOwnThread {
                var records: [Int32: [ArchivedRecord]] = [:]
                for object in try store.list(prefix: layout.root) where object.key.hasSuffix(".segment.gz") {
                    let decoded = try SegmentCodec.decode(try Gzip.decompress(try store.get(object.key) ?? [], limit: 1 << 30))
                    records[decoded.partition, default: []] += decoded.records
                }
                return records
            }
        }

        func keys() async throws -> [String: Int] {
            let store = self.store, layout = self.layout
            return try await onOwnThread { Dictionary(uniqueKeysWithValues: try store.list(prefix: layout.root).map { ($0.key, $0.size) }) }
        }

        func run(_ archiver: TopicArchiver) async throws -> ArchiveRunReport {
            try await onOwnThread { try archiver.archive(topics: [TopicArchiveStoreTests.topic]) }
        }

        /// Restores the archive into `target`'s story-event.
        func restore(into target: TestKafkaCluster, until: TopicRestorer.Until? = nil,
                     nonEmpty: TopicRestorer.NonEmptyTarget = .refuse) async throws -> RestoreReport {
            let restorer = TopicRestorer(store: store, layout: layout, kafka: target.config, logger: TopicArchiveStoreTests.logger)
            return try await onOwnThread { try restorer.restore(topics: [TopicArchiveStoreTests.topic], until: until, nonEmpty: nonEmpty) }
        }

        func verify() async throws -> ArchiveVerifier.Report {
            let verifier = ArchiveVerifier(store: store, layout: layout, logger: TopicArchiveStoreTests.logger)
            return try await onOwnThread { try verifier.verify() }
        }
    }

    @Test func thousandsOfRecordsAreArchivedExactlyAndLaterRunsAddOnlyWhatIsNew() async throws {
        let stack = try await Stack()
        try await stack.publish(0..<3_000)
        let first = try await stack.run(stack.archiver())
        #expect(first.records == 3_000 && first.troubled.isEmpty)
        #expect(first.partitions.count == 4 && first.partitions.allSatisfy { $0.segments == ($0.records + 399) / 400 })
        #expect(try await stack.archivedRecords() == (try await stack.logRecords()), "keys, values, headers, timestamps and offsets")
        let before = try await stack.keys()

        try await stack.publish(3_000..<4_000)
        let second = try await stack.run(stack.archiver())
        #expect(second.records == 1_000, "only what is new")
        let after = try await stack.keys()
        #expect(before.allSatisfy { after[$0.key] == $0.value }, "no segment or manifest rewritten")
        #expect(try await stack.archivedRecords() == (try await stack.logRecords()))
        let third = try await stack.run(stack.archiver())
        #expect(third.records == 0 && third.segments == 0, "nothing new: nothing written")

        let verified = try await stack.verify()
        #expect(verified.problems.isEmpty && verified.records == 4_000 && verified.partitions == 4, "\(verified.problems)")
    }

    /// The state a run killed between a segment and its manifest leaves: the next run checks the segment, writes
    /// its manifest and carries on from its end, so nothing is missing and nothing is archived twice.
    @Test func aRunStoppedBeforeAManifestIsCompletedWithoutGapOrDuplicate() async throws {
        let stack = try await Stack()
        try await stack.publish(0..<2_000)
        _ = try await stack.run(stack.archiver(segmentRecords: 300))
        let manifests = try await stack.keys().keys.filter { $0.contains("/story-event/0/") && $0.hasSuffix(".manifest.json") }.sorted()
        let last = try #require(manifests.last)
        _ = try await stack.moto.python(Stack.boto3 + "s3.delete_object(Bucket='annals-dr', Key=sys.argv[1])\n", arguments: [last])
        #expect(try await stack.verify().notes.count == 1, "the segment without manifest is noted")

        try await stack.publish(2_000..<2_500)
        let resumed = try await stack.run(stack.archiver(segmentRecords: 300))
        #expect(resumed.partitions.first { $0.partition.partition == 0 }?.completedManifests == 1)
        let archived = try await stack.archivedRecords()
        #expect(archived == (try await stack.logRecords()))
        #expect(archived.values.allSatisfy { Set($0.map(\.offset)).count == $0.count }, "no offset archived twice")
        let verified = try await stack.verify()
        #expect(verified.problems.isEmpty && verified.notes.isEmpty && verified.records == 2_500, "\(verified.problems)")
    }

    @Test func aTamperedSegmentAndAMissingOneAreNamedByVerifyAndRefusedByRestore() async throws {
        let stack = try await Stack()
        try await stack.publish(0..<1_000)
        _ = try await stack.run(stack.archiver(segmentRecords: 50))
        let original = try await stack.logRecords()
        let segments = try await stack.keys().keys.filter { $0.hasSuffix(".segment.gz") }.sorted()
        let tampered = try #require(segments.filter { $0.contains("/story-event/1/") }.dropFirst().first, "\(segments)")
        _ = try await stack.moto.python(Stack.boto3 + """
            body = bytearray(s3.get_object(Bucket='annals-dr', Key=sys.argv[1])['Body'].read())
            body[len(body) // 2] ^= 0x20
            s3.put_object(Bucket='annals-dr', Key=sys.argv[1], Body=bytes(body))
            """, arguments: [tampered])
        var report = try await stack.verify()
        #expect(report.problems.count == 1 && report.problems.first?.contains(tampered) == true
                && report.problems.first?.contains("SHA-256") == true, "\(report.problems)")

        // A restore writes partition 1 up to the tampered segment and none of its records.
        let target = try TestKafkaCluster(topics: [Self.topic: 4])
        await #expect { try await stack.restore(into: target) } throws: { error in
            "\(error)".contains(tampered) && "\(error)".contains("SHA-256")
        }
        let start = try #require(stack.layout.parse(tampered)?.start)
        #expect(try await stack.logRecords(of: target)[1, default: []] == Array(original[1, default: []].prefix(Int(start))))

        // The first of a partition holding several: its manifest stays, and the chain then starts late.
        let removed = try #require(Dictionary(grouping: segments.filter { !$0.contains("/story-event/1/") }) {
            $0.split(separator: "/").dropLast().joined(separator: "/")
        }.values.first { $0.count >= 2 }?.min())
        _ = try await stack.moto.python(Stack.boto3 + "s3.delete_object(Bucket='annals-dr', Key=sys.argv[1])\n", arguments: [removed])
        report = try await stack.verify()
        #expect(report.problems.contains { $0.contains("has no segment") }
                && report.problems.contains { $0.contains("the archive begins at offset") }, "\(report.problems)")
    }

    @Test func aRestoreIntoAnEmptyClusterGivesTheSameRecordsAtTheSameOffsets() async throws {
        let stack = try await Stack()
        try await stack.publish(0..<2_000)
        _ = try await stack.run(stack.archiver(segmentRecords: 250))
        let original = try await stack.logRecords()

        let target = try TestKafkaCluster(topics: [Self.topic: 4])
        let restored = try await stack.restore(into: target)
        #expect(restored.records == 2_000 && restored.partitions.allSatisfy { $0.offsetsMoved == 0 && $0.stoppedAt == nil })
        #expect(try await stack.logRecords(of: target) == original, "keys, values, headers, timestamps, order and offsets")

        await #expect(throws: ArchiveRunError.self, "a target holding records is refused") { try await stack.restore(into: target) }
        let resumed = try await stack.restore(into: target, nonEmpty: .resume)
        #expect(resumed.records == 0, "everything was there already")
        #expect(try await stack.logRecords(of: target) == original)
    }

    @Test func untilRestoresAPrefixOfEachPartitionByOffsetOrByTime() async throws {
        let stack = try await Stack()
        try await stack.publish(0..<1_200)
        _ = try await stack.run(stack.archiver(segmentRecords: 100))
        let original = try await stack.logRecords()

        let byOffset = try TestKafkaCluster(topics: [Self.topic: 4])
        _ = try await stack.restore(into: byOffset, until: .offset(150))
        #expect(try await stack.logRecords(of: byOffset) == original.mapValues { Array($0.prefix(150)) })

        let cut: Int64 = 1_764_000_000_000 + 700 * 1_000
        let byTime = try TestKafkaCluster(topics: [Self.topic: 4])
        let report = try await stack.restore(into: byTime, until: .timestampMilliseconds(cut))
        #expect(try await stack.logRecords(of: byTime) == original.mapValues { records in
            Array(records.prefix { ($0.timestampMilliseconds ?? 0) <= cut })
        })
        #expect(report.records == 701 && report.partitions.allSatisfy { $0.stoppedAt != nil })
    }
}

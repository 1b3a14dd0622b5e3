import AWSSupport
import Foundation
import Kafka
import Logging
import Testing
import TestSupport
import TopicArchive

/// `annals archive`, `annals archive verify` and `annals restore` as processes, against moto's S3 and the dev
/// broker: an archive killed part-way resumes without gap or duplicate, a tampered segment fails verify, and a
/// restore into an empty cluster gives the same records at the same offsets.
@Suite("Archive commands", .timeLimit(.minutes(4)),
       .enabled(if: MotoServer.executable != nil, "moto[server] is not in the venv: run dev/setup"))
struct ArchiveCommandTests {
    static let logger = Logger(label: "annals.test.archive-commands")
    static let environment = ["AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"]

    static func annals(_ arguments: [String]) async throws -> CommandLineTests.Run {
        let process = try ChildProcess.annals("annals", arguments: arguments, environment: environment,
                                              removingEnvironment: ["AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_PROFILE"],
                                              separateStandardError: true)
        let status = try await process.waitForExit(timeout: .seconds(120))
        return CommandLineTests.Run(status: status, stdout: process.log(), stderr: process.errorLog())
    }

    /// Every record of story-event on `cluster`, by partition.
    static func records(of cluster: TestKafkaCluster) async throws -> [Int32: [ArchivedRecord]] {
        let messages = try await onOwnThread {
            let ranges = try KafkaAdmin(config: cluster.config, logger: logger).watermarks(ofTopics: ["story-event"])
            return try KafkaConsumer.read(ranges, config: cluster.consumerConfig, groupID: TestKafkaCluster.uniqueGroupID("archive-cli"),
                                   logger: logger)
        }
        return Dictionary(grouping: messages.map { ($0.partition, ArchivedRecord($0)) }, by: \.0).mapValues { $0.map(\.1) }
    }

    @Test func anArchiveKilledPartWayResumesAndRestoresExactly() async throws {
        let source = try TestKafkaCluster(topics: ["story-event": 4])
        let moto = try await MotoServer()
        try await moto.createBucket("annals-dr")
        let producer = try KafkaProducer(config: source.config, logger: Self.logger)
        let records = (0..<20_000).map { index in
            KafkaRecord(topic: "story-event", key: Array("world-\(index % 13)".utf8), value: Array("event \(index)".utf8),
                        headers: [KafkaHeader(key: "annals-type", value: Array("annals.v1.StoryEvent".utf8))],
                        timestampMilliseconds: 1_764_000_000_000 + Int64(index))
        }
        for result in await producer.sendAll(records) { _ = try result.get() }
        let bucket = ["--bucket", "annals-dr", "--endpoint", moto.endpoint]
        let archive = ["archive"] + bucket + ["--brokers", source.bootstrapServers, "--topics", "story-event", "--segment-records", "100"]

        // Killed once a few segments are stored, whatever it is doing then: it runs in slices of 20 ms between
        // freezes (SIGSTOP), and the bucket is looked at while it is frozen, so it cannot finish meanwhile.
        let killed = try ChildProcess.annals("annals", arguments: archive, environment: Self.environment,
                                             removingEnvironment: ["AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_PROFILE"])
        let s3 = try S3Client(bucket: "annals-dr", region: "us-east-1", endpoint: try AWSEndpoint(parsing: moto.endpoint),
                              credentials: .fixed(AWSCredentials(accessKeyID: "test", secretAccessKey: "test")))
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            if let status = killed.status() { throw TestSupportFailure("the archive ended (\(status)) before it was killed: \(killed.logTail())") }
            try killed.freeze()
            if try await s3.list(prefix: "annals-archive/").filter({ $0.key.hasSuffix(".manifest.json") }).count >= 5 { break }
            guard ContinuousClock.now < deadline else { throw TestSupportFailure("no segment stored within 90 s: \(killed.logTail())") }
            try killed.kill(SIGCONT)
            try await Task.sleep(for: .milliseconds(20))
        }
        try killed.kill(SIGKILL)
        _ = try await killed.waitForExit(timeout: .seconds(10))
        let stored = try await s3.list(prefix: "annals-archive/").count
        #expect(stored < 2 * 200, "killed part-way: \(stored) objects of about 400")

        let resumed = try await Self.annals(archive + ["--json"])
        #expect(resumed.status == .exited(0), "\(resumed)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect((report["records"] as? Int ?? 0) < 20_000, "only what the killed run had not stored")
        let verified = try await Self.annals(["archive", "verify"] + bucket)
        #expect(verified.status == .exited(0) && verified.stdout.contains("4 partitions") && verified.stdout.contains("20000 records"),
                "\(verified)")

        let target = try TestKafkaCluster(topics: ["story-event": 4])
        let restored = try await Self.annals(["restore"] + bucket + ["--brokers", target.bootstrapServers])
        #expect(restored.status == .exited(0) && restored.stdout.contains("restored 20000 records"), "\(restored)")
        #expect(try await Self.records(of: target) == (try await Self.records(of: source)), "no gap, no duplicate, same offsets")
        let again = try await Self.annals(["restore"] + bucket + ["--brokers", target.bootstrapServers])
        #expect(again.status != .exited(0) && again.stderr.contains("already holds records"), "\(again)")

        let segment = try #require(try await s3.list(prefix: "annals-archive/story-event/3/").first { $0.key.hasSuffix(".segment.gz") })
        _ = try await moto.python("""
            import os, sys, boto3
            s3 = boto3.client('s3', endpoint_url=os.environ['MOTO_ENDPOINT'], region_name='us-east-1', aws_access_key_id='test',
                              aws_secret_access_key='test')
            s3.put_object(Bucket='annals-dr', Key=sys.argv[1], Body=b'\\x1f\\x8b not what was archived')
            """, arguments: [segment.key])
        let tampered = try await Self.annals(["archive", "verify"] + bucket)
        #expect(tampered.status == .exited(1) && tampered.stderr.contains(segment.key) && tampered.stderr.contains("SHA-256"),
                "\(tampered)")
    }

    /// `--follow` keeps archiving what is published, shows its lag on /metrics and stops cleanly on SIGTERM.
    @Test func followKeepsTheArchiveCaughtUpAndShowsItsLag() async throws {
        let source = try TestKafkaCluster(topics: ["story-event": 2])
        let moto = try await MotoServer()
        try await moto.createBucket("annals-dr")
        let producer = try KafkaProducer(config: source.config, logger: Self.logger)
        func publish(_ range: Range<Int>) async throws {
            let records = range.map { KafkaRecord(topic: "story-event", key: Array("w\($0 % 5)".utf8), value: Array("e\($0)".utf8)) }
            for result in await producer.sendAll(records) { _ = try result.get() }
        }
        try await publish(0..<500)
        let port = try LocalHTTP.freePort()
        let follower = try ChildProcess.annals(
            "annals", arguments: ["archive", "--bucket", "annals-dr", "--endpoint", moto.endpoint, "--brokers", source.bootstrapServers,
                                  "--topics", "story-event", "--follow", "--interval", "1s", "--http-port", String(port),
                                  "--http-host", "127.0.0.1"],
            environment: Self.environment, removingEnvironment: ["AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_PROFILE"])
        defer { try? follower.kill(SIGKILL) }
        func metrics() async throws -> [String: Double] {
            let body = try await onOwnThread { try LocalHTTP.get(port: port, path: "/metrics")?.body ?? "" }
            var values: [String: Double] = [:]
            for line in body.split(separator: "\n") where line.hasPrefix("annals_archive_") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { values[String(parts[0]), default: 0] += Double(parts[1]) ?? .nan }
            }
            return values
        }
        func archived() async throws -> Double {
            try await metrics().filter { $0.key.hasPrefix("annals_archive_records_total") }.values.reduce(0, +)
        }
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(200), description: "the first 500 records archived") {
            if let status = follower.status() { throw TestSupportFailure("the follower ended (\(status)): \(follower.logTail())") }
            return try await archived() == 500
        }
        try await publish(500..<800)
        try await waitUntil(timeout: .seconds(60), pollInterval: .milliseconds(200), description: "the next 300 archived by a later run") {
            try await archived() == 800
        }
        let shown = try await metrics()
        let lagRecords = shown.filter { $0.key.hasPrefix("annals_archive_lag_records") }
        #expect(lagRecords.count == 2 && lagRecords.values.allSatisfy { $0 == 0 }, "\(shown)")
        #expect(shown.keys.filter { $0.hasPrefix("annals_archive_lag_seconds") }.count == 2, "\(shown)")
        let ready = try await onOwnThread { try LocalHTTP.get(port: port, path: "/readyz") }
        #expect(ready?.status == 200, "\(String(describing: ready))")
        try follower.kill(SIGTERM)
        #expect(try await follower.waitForExit(timeout: .seconds(30)) == .exited(0), "\(follower.logTail())")
        let verified = try await Self.annals(["archive", "verify", "--bucket", "annals-dr", "--endpoint", moto.endpoint])
        #expect(verified.status == .exited(0) && verified.stdout.contains("800 records"), "\(verified)")
    }

    /// The drill in small: story events projected by the worker; the archive taken; then both the cluster and the
    /// database lost. An empty cluster, the restore, and `annals replay story` into an empty database rebuild tables
    /// whose checksums equal those before the loss.
    @Test func tablesRebuiltFromTheRestoredArchiveEqualTheTablesBeforeTheLoss() async throws {
        let stack = try StoryStack(name: "dr_drill")
        defer { stack.tearDown() }
        let moto = try await MotoServer()
        try await moto.createBucket("annals-dr")
        let generator = StoryEventGenerator(worlds: 30, prefix: "drill")
        try await generator.publish(0..<5_000, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("drill"), batchSize: 500)
        try await stack.waitForCheckpoints(total: 5_000, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0))
        let before = try await stack.checksums()
        #expect(!before.isEmpty)
        let bucket = ["--bucket", "annals-dr", "--endpoint", moto.endpoint]
        let archived = try await Self.annals(["archive"] + bucket + ["--brokers", stack.kafka.bootstrapServers, "--topics", "story-event"])
        #expect(archived.status == .exited(0), "\(archived)")

        // The loss: a new, empty cluster and database; the old ones are never read again.
        let cluster = try TestKafkaCluster(topics: ["story-event": stack.partitions])
        let database = try TestDatabase.create(prefix: "dr_drill_new")
        defer { try? database.drop() }
        let restored = try await Self.annals(["restore"] + bucket + ["--brokers", cluster.bootstrapServers])
        #expect(restored.status == .exited(0) && restored.stdout.contains("restored 5000 records"), "\(restored)")
        let (status, output) = try await stack.runCLI(
            ["replay", "story", "--in-place", "--brokers", cluster.bootstrapServers, "--database-url", database.url])
        #expect(status == .exited(0), "\(output)")
        #expect(try await stack.checksums(in: database) == before, "every story table as before the loss")
    }
}

import AnnalsEvents
import Foundation
import Kafka
import Logging
import Postgres
import TestSupport
import Testing

/// `annals-kb-worker --embedder bedrock` as deployed: region, endpoint and credentials from the environment, the
/// dimension defaulting to 1024, vectors through the embedding cache, and tables of another embedder refused at
/// start-up with the replay that switches them to Bedrock.
@Suite("kb worker with Bedrock", .timeLimit(.minutes(3)))
struct BedrockWorkerTests {
    static let keyID = "AKIDBEDROCKWORKER01"
    static let secret = "bedrock-worker-secret/9d2e"

    /// What a Bedrock worker's environment holds; nothing of the developer's own AWS setup leaks in.
    static func environment(endpoint: String) -> [String: String] {
        ["ANNALS_EMBEDDER": "bedrock", "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint,
         "AWS_ACCESS_KEY_ID": keyID, "AWS_SECRET_ACCESS_KEY": secret]
    }

    static let foreignAWS: Set<String> = [
        "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", "ANNALS_KB_DIMENSION", "ANNALS_EMBEDDING_MODEL", "ANNALS_CONFIG",
    ]

    @Test func documentsAreEmbeddedThroughTheStubAndTheCacheDespiteThrottling() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 1, "story-event": 1])
        let database = try TestDatabase.create(prefix: "kb_bedrock_worker")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        try await StoryEventGenerator.send(try (0..<4).map(RemoteEmbeddingWorkerTests.document), with: producer)
        let throttled = BedrockStub.Failure(status: 429, code: "ThrottlingException", retryAfter: "0", message: "Too many requests")
        let stub = try await BedrockStub(accessKeyID: Self.keyID, secretAccessKey: Self.secret, script: [throttled, throttled])

        let worker = try ChildProcess.annals(
            "annals-kb-worker", arguments: ["--brokers", kafka.bootstrapServers, "--database-url", database.url,
                                            "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200"],
            environment: Self.environment(endpoint: stub.endpoint), removingEnvironment: Self.foreignAWS)
        let db = try database.connect()
        try await waitUntil(timeout: .seconds(90), description: "every document projected") {
            if let status = worker.status() { throw TestSupportFailure("worker exited \(status): \(worker.logTail())") }
            let exists = try db.execute("SELECT to_regclass('kb.documents') IS NOT NULL AS present").rows.first?.bool("present") ?? false
            return try exists && (db.execute("SELECT count(*) AS n FROM kb.documents").rows.first?.int("n")) == 4
        }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
        #expect(!worker.log().contains(Self.secret), "the secret never reaches the log")

        let recorded = try db.execute("SELECT model, dimension FROM kb.embedder").rows.first
        #expect(try recorded?.string("model") == "amazon.titan-embed-text-v2:0" && recorded?.int("dimension") == 1024)
        let chunks = try db.execute("SELECT count(*) AS n FROM kb.chunks").rows.first?.int("n") ?? 0
        #expect(chunks >= 4)
        #expect(try db.execute("SELECT count(*) AS n FROM kb_cache.embeddings WHERE model = 'amazon.titan-embed-text-v2:0' "
            + "AND dimension = 1024").rows.first?.int("n") == chunks)
        let requests = try await stub.seen().requests
        #expect(requests.prefix(2).map(\.status) == [429, 429], "throttled first, then retried")
        #expect(requests.filter { $0.status == 200 }.count == chunks, "one call per chunk, none twice")
        #expect(try db.execute("SELECT count(*) AS n FROM annals.dead_letters").rows.first?.int("n") == 0)
    }

    @Test func tablesOfAnotherEmbedderOrDimensionAreRefusedWithTheReplayToBedrock() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 1])
        let database = try TestDatabase.create(prefix: "kb_bedrock_refused")
        defer { try? database.drop() }
        let arguments = ["--brokers", kafka.bootstrapServers, "--database-url", database.url]
        // No Bedrock call is made: the tables are checked first. The endpoint is a closed port.
        let bedrock = Self.environment(endpoint: "http://127.0.0.1:\(try LocalHTTP.freePort())")
        let migrate = try ChildProcess.annals("annals", arguments: ["migrate"] + arguments,
                                              environment: ["ANNALS_EMBEDDER": "hashing", "ANNALS_KB_DIMENSION": "1024"])
        #expect(try await migrate.waitForExit(timeout: .seconds(30)) == .exited(0), "\(migrate.log())")

        let worker = try ChildProcess.annals("annals-kb-worker", arguments: arguments, environment: bedrock,
                                             removingEnvironment: Self.foreignAWS)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) != .exited(0))
        #expect(worker.log().contains("embedded with hashing-v1 (1024 dimensions) but this embedder is "
            + "amazon.titan-embed-text-v2:0 (1024 dimensions)"), "\(worker.logTail())")
        #expect(worker.log().contains("`ANNALS_EMBEDDER=bedrock ANNALS_KB_DIMENSION=1024 annals replay kb`"), "\(worker.logTail())")

        // Tables built by Bedrock at 1024 dimensions refuse it at 512, with the replay to 512.
        let byBedrock = try TestDatabase.create(prefix: "kb_bedrock_dimension")
        defer { try? byBedrock.drop() }
        let other = ["--brokers", kafka.bootstrapServers, "--database-url", byBedrock.url]
        let migrated = try ChildProcess.annals("annals", arguments: ["migrate"] + other, environment: bedrock,
                                               removingEnvironment: Self.foreignAWS)
        #expect(try await migrated.waitForExit(timeout: .seconds(30)) == .exited(0), "\(migrated.log())")
        let smaller = try ChildProcess.annals("annals-kb-worker", arguments: other + ["--dimension", "512"], environment: bedrock,
                                              removingEnvironment: Self.foreignAWS)
        #expect(try await smaller.waitForExit(timeout: .seconds(30)) != .exited(0))
        #expect(smaller.log().contains("`ANNALS_EMBEDDER=bedrock ANNALS_KB_DIMENSION=512 annals replay kb`"), "\(smaller.logTail())")
    }

    @Test func aDimensionTitanDoesNotMakeStopsTheWorkerAtStartUp() async throws {
        // Nothing is reached: the dead broker and database are never tried.
        let dead = try LocalHTTP.freePort()
        let worker = try ChildProcess.annals(
            "annals-kb-worker",
            arguments: ["--brokers", "127.0.0.1:\(dead)", "--database-url", "postgres://annals@127.0.0.1:\(dead)/annals",
                        "--dimension", "300"],
            environment: Self.environment(endpoint: "http://127.0.0.1:\(dead)"), removingEnvironment: Self.foreignAWS)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(1))
        #expect(worker.log().contains("Titan Text Embeddings v2 makes vectors of 256, 512 or 1024 dimensions, not 300"),
                "\(worker.logTail())")
    }
}

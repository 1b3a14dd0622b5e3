import AnnalsEvents
import Foundation
import Kafka
import KnowledgeBase
import Logging
import Postgres
import Projection
import TestSupport
import Testing

/// `annals-kb-worker --embedder openai` against the fake embeddings server: an outage of the model delays
/// documents without losing or dead-lettering any, and a replay takes every vector from the cache.
@Suite("kb worker with a remote embedder", .timeLimit(.minutes(3)))
struct RemoteEmbeddingWorkerTests {
    static func document(_ index: Int) throws -> KafkaRecord {
        var event = DocumentIngested()
        event.meta.eventID = "doc-\(index)-v1"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(index))
        event.documentID = "doc-\(index)"
        event.version = 1
        event.title = "Chronicle \(index)"
        event.content = "# Chronicle \(index)\n\nThe lamplighters of the \(index)th ward keep the ember lamps burning.\n\n"
            + "## Watch\n\nEvery night the watch counts \(index * 7) lamps along the harbour wall."
        return KafkaRecord(topic: "document-ingested", key: Array(event.documentID.utf8), value: try event.serializedBytes())
    }

    @Test func aModelOutageDelaysDocumentsAndAReplayPaysForNoEmbeddingTwice() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 2, "story-event": 1])
        let database = try TestDatabase.create(prefix: "kb_remote_worker")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        try await StoryEventGenerator.send(try (0..<12).map(Self.document), with: producer)

        // The model answers 500 to its first six requests: two attempts per batch, so the worker backs off three times.
        try await FakeEmbeddingsServer.run(dimension: 16, script: Array(repeating: .status(500), count: 6)) { server, url in
            let embedding = [
                "ANNALS_EMBEDDER": "openai", "ANNALS_EMBEDDING_URL": url, "ANNALS_EMBEDDING_MODEL": "fake-model",
                "ANNALS_KB_DIMENSION": "16", "ANNALS_EMBEDDING_NO_KEY": "1",
            ]
            let worker = try ChildProcess.annals("annals-kb-worker", arguments: [
                "--brokers", kafka.bootstrapServers, "--database-url", database.url,
                "--embedding-max-attempts", "2", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200",
            ], environment: embedding)
            let db = try database.connect()
            try await waitUntil(timeout: .seconds(90), description: "every document projected") {
                if let status = worker.status() { throw TestSupportFailure("worker exited \(status): \(worker.logTail())") }
                let exists = try db.execute("SELECT to_regclass('kb.documents') IS NOT NULL AS present").rows.first?.bool("present") ?? false
                return try exists && (db.execute("SELECT count(*) AS n FROM kb.documents").rows.first?.int("n")) == 12
            }
            try worker.kill(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
            #expect(worker.log().contains("a service the projection needs is unavailable"), "\(worker.logTail())")
            #expect(try db.execute("SELECT count(*) AS n FROM annals.dead_letters").rows.first?.int("n") == 0)
            let chunks = try db.execute("SELECT count(*) AS n FROM kb.chunks").rows.first?.int("n") ?? 0
            #expect(try db.execute("SELECT count(*) AS n FROM kb_cache.embeddings WHERE model = 'fake-model'").rows.first?.int("n") == chunks)

            let projection = try KnowledgeBaseProjection(settings: .init(dimension: 16), embedder: HashingEmbedder(dimension: 16))
            let live = try TableChecksum.checksums(of: projection, connection: db).map(\.checksum)
            let requestsBeforeReplay = await server.requests.count
            let replay = try ChildProcess.annals("annals", arguments: [
                "replay", "kb", "--in-place", "--brokers", kafka.bootstrapServers, "--database-url", database.url,
            ], environment: embedding)
            #expect(try await replay.waitForExit(timeout: .seconds(90)) == .exited(0), "\(replay.log())")
            #expect(await server.requests.count == requestsBeforeReplay, "the replay took every vector from the cache")
            #expect(try TableChecksum.checksums(of: projection, connection: db).map(\.checksum) == live)
        }
    }
}

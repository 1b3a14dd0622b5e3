import AnnalsEvents
import Foundation
import Kafka
import Logging
import Postgres
import Testing
import TestSupport

/// `annals-kb-worker` as a process: documents in, scrubbed and embedded chunks out, newer versions replacing older.
@Suite("Knowledge-base worker", .timeLimit(.minutes(2)))
struct KnowledgeBaseWorkerTests {
    static func document(_ id: String, version: UInt64, content: String) throws -> KafkaRecord {
        var event = DocumentIngested()
        event.meta.eventID = "\(id)-v\(version)"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(version))
        event.documentID = id
        event.version = version
        event.worldID = "emberfall"
        event.title = "The \(id)"
        event.content = content
        let value: [UInt8] = try event.serializedBytes()
        return KafkaRecord(topic: "document-ingested", key: Array(id.utf8), value: value,
                           headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array("annals.v1.DocumentIngested".utf8))])
    }

    @Test func workerIngestsDocumentsAndANewerVersionReplacesTheChunks() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 2])
        let database = try TestDatabase.create(prefix: "kb_worker")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        let long = (1...40).map { "Paragraph \($0) of the Ember Library's history, where the Lamplighters keep watch." }
            .joined(separator: "\n\n")
        try await StoryEventGenerator.send([
            try Self.document("library", version: 1, content: "# The Ember Library\n\n" + long + "\n\nMail kaela@ember.example."),
            try Self.document("codex", version: 1, content: "# The Cinder Codex\n\nA book of embers."),
        ], with: producer)

        let worker = try ChildProcess.annals("annals-kb-worker", arguments: [
            "--brokers", kafka.bootstrapServers, "--database-url", database.url, "--dimension", "64",
            "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200",
        ])
        let db = try database.connect()
        func count(_ sql: String) throws -> Int {
            let exists = try db.execute("SELECT to_regclass('kb.documents') IS NOT NULL AS present").rows.first?.bool("present") ?? false
            return exists ? (try db.execute(sql).rows.first?.int("n") ?? 0) : 0
        }
        try await waitUntil(timeout: .seconds(60), description: "two documents projected") {
            if let status = worker.status() { throw TestSupportFailure("worker exited \(status): \(worker.logTail())") }
            return try count("SELECT count(*) AS n FROM kb.documents") == 2
        }
        let libraryChunks = try count("SELECT count(*) AS n FROM kb.chunks WHERE document_id = 'library'")
        #expect(libraryChunks > 1, "a long document is chunked")
        #expect(try count("SELECT count(*) AS n FROM kb.chunks WHERE text LIKE '%kaela@ember.example%'") == 0, "PII scrubbed")

        try await StoryEventGenerator.send([try Self.document("library", version: 2, content: "# The Ember Library\n\nRebuilt.")], with: producer)
        try await waitUntil(timeout: .seconds(60), description: "version 2 replaces the chunks") {
            try count("SELECT count(*) AS n FROM kb.chunks WHERE document_id = 'library'") == 1
                && count("SELECT count(*) AS n FROM kb.documents WHERE document_id = 'library' AND version = 2") == 1
        }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
    }

    @Test func workerRefusesAnEmbeddingDimensionOtherThanTheTables() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 1])
        let database = try TestDatabase.create(prefix: "kb_worker_dimension")
        defer { try? database.drop() }
        let arguments = ["--brokers", kafka.bootstrapServers, "--database-url", database.url]
        let first = try ChildProcess.annals("annals", arguments: ["migrate"] + arguments, environment: ["ANNALS_KB_DIMENSION": "64"])
        #expect(try await first.waitForExit(timeout: .seconds(30)) == .exited(0), "\(first.log())")

        let worker = try ChildProcess.annals("annals-kb-worker", arguments: arguments + ["--dimension", "128"])
        let status = try await worker.waitForExit(timeout: .seconds(30))
        #expect(status != .exited(0))
        #expect(worker.log().contains("vectors of 128 dimensions but kb.chunks.embedding is vector(64)"), "\(worker.logTail())")
    }
}

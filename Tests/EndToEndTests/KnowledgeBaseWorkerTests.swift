import AnnalsEvents
import Foundation
import Kafka
import Logging
import KnowledgeBase
import Postgres
import Projection
import Testing
import TestSupport

/// `annals-kb-worker` as a process: documents in, scrubbed and embedded chunks out, newer versions replacing older.
@Suite("Knowledge-base worker", .timeLimit(.minutes(3)))
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
            "--brokers", kafka.bootstrapServers, "--database-url", database.url, "--embedder", "hashing", "--dimension", "64",
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
        let first = try ChildProcess.annals("annals", arguments: ["migrate"] + arguments,
                                            environment: ["ANNALS_EMBEDDER": "hashing", "ANNALS_KB_DIMENSION": "64"])
        #expect(try await first.waitForExit(timeout: .seconds(30)) == .exited(0), "\(first.log())")

        let worker = try ChildProcess.annals("annals-kb-worker", arguments: arguments + ["--embedder", "hashing", "--dimension", "128"])
        let status = try await worker.waitForExit(timeout: .seconds(30))
        #expect(status != .exited(0))
        #expect(worker.log().contains("embedded with hashing-v1 (64 dimensions) but this embedder is hashing-v1 (128 dimensions)"),
                "\(worker.logTail())")
        #expect(worker.log().contains("ANNALS_EMBEDDER=hashing ANNALS_KB_DIMENSION=128 annals replay kb"), "\(worker.logTail())")

        // The default embedder, all-MiniLM-L6-v2, is as many dimensions as the hashing one was by default: the record
        // of the tables' embedder, not the column, refuses it.
        let hashing384 = try TestDatabase.create(prefix: "kb_worker_model")
        defer { try? hashing384.drop() }
        let other = ["--brokers", kafka.bootstrapServers, "--database-url", hashing384.url]
        let migrated = try ChildProcess.annals("annals", arguments: ["migrate"] + other, environment: ["ANNALS_EMBEDDER": "hashing"])
        #expect(try await migrated.waitForExit(timeout: .seconds(30)) == .exited(0), "\(migrated.log())")
        let miniLM = try ChildProcess.annals("annals-kb-worker", arguments: other)
        #expect(try await miniLM.waitForExit(timeout: .seconds(30)) != .exited(0))
        #expect(miniLM.log().contains("ANNALS_EMBEDDER=minilm ANNALS_KB_DIMENSION=384 annals replay kb"), "\(miniLM.logTail())")
    }

    /// The default embedder, all-MiniLM-L6-v2, finds a document by meaning: a question sharing no word with the
    /// passage that answers it. The same documents under the hashing embedder (and its full-text half) do not rank it
    /// first: it matches words, and there are none in common.
    @Test func theDefaultModelFindsAParaphraseTheHashingEmbedderMisses() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 1])
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        let documents = [
            ("tidecounters", "# The Tidecounters\n\nSince the flood, the Tidecounters govern what remains of Tidemark from their council hall."),
            ("bakery", "# The Quay Bakery\n\nBread and honey pastries are baked before dawn and sold along the quay."),
            ("shipyard", "# The Shipyard\n\nShipwrights build hulls from salvaged timber and tar the seams each spring."),
            ("lighthouse", "# The Lighthouse\n\nA keeper trims the lantern wick at dusk so fishing boats find the harbour."),
            ("market", "# The Fish Market\n\nTraders haggle over eels, crabs and oysters under striped awnings."),
        ]
        try await StoryEventGenerator.send(try documents.map { try Self.document($0.0, version: 1, content: $0.1) }, with: producer)
        let question = "who rules the drowned city now?"

        var firstHits: [String: String] = [:]
        for embedder in ["minilm", "hashing"] {
            let database = try TestDatabase.create(prefix: "kb_worker_\(embedder)")
            defer { try? database.drop() }
            let worker = try ChildProcess.annals("annals-kb-worker", arguments: [
                "--brokers", kafka.bootstrapServers, "--database-url", database.url, "--embedder", embedder,
                "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200",
            ])
            let db = try database.connect()
            try await waitUntil(timeout: .seconds(90), description: "\(embedder): the documents projected") {
                if let status = worker.status() { throw TestSupportFailure("worker exited \(status): \(worker.logTail())") }
                let exists = try db.execute("SELECT to_regclass('kb.documents') IS NOT NULL AS present").rows.first?.bool("present") ?? false
                guard exists else { return false }
                return try db.execute("SELECT count(*) AS n FROM kb.documents").rows.first?.int("n") == documents.count
            }
            #expect(try db.execute("SELECT model FROM kb.embedder").rows.first?.string("model")
                == (embedder == "minilm" ? "all-MiniLM-L6-v2" : "hashing-v1"), "the tables record their embedder")
            try worker.kill(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

            let search = try ChildProcess.annals("annals", arguments: [
                "search", "--database-url", database.url, "--world", "emberfall", "--embedder", embedder, "--json", "-k", "3", question,
            ], separateStandardError: true)
            #expect(try await search.waitForExit(timeout: .seconds(60)) == .exited(0), "\(search.errorLog())")
            let hits = try JSONSerialization.jsonObject(with: Data(search.log().utf8)) as? [[String: Any]] ?? []
            firstHits[embedder] = hits.first?["documentID"] as? String ?? "none"
        }
        #expect(firstHits["minilm"] == "tidecounters", "MiniLM answers by meaning: \(firstHits)")
        #expect(firstHits["hashing"] != "tidecounters", "the hashing embedder has no word to match: \(firstHits)")
    }

    /// Documents declaring concepts and relationships, and story events changing them, with event times that
    /// do not follow the order they are published in.
    static func narrative(documents: Int, stories: Int) throws -> [KafkaRecord] {
        var random: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((random >> 33) % UInt64(bound))
        }
        let worlds = ["ashfall", "verdance", "hollow", ""]
        var records: [KafkaRecord] = []
        var sequences: [String: UInt64] = [:]
        for index in 0..<(documents + stories) {
            if index % ((documents + stories) / documents) == 0, records.count(where: { $0.topic == "document-ingested" }) < documents {
                var event = DocumentIngested()
                let id = "doc-\(next(6))"
                event.meta.eventID = "event-\(index)"
                event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(next(10_000)))
                event.documentID = id
                event.version = UInt64(index + 1)
                event.worldID = worlds[next(worlds.count)]
                event.title = "Notes \(id)"
                event.content = "# Notes\n\nThe lamplighters of \(event.worldID) keep watch, version \(index)."
                event.concepts = (0..<3).map { _ in
                    var concept = DeclaredConcept()
                    concept.conceptID = "c\(next(8))"
                    concept.name = "Name \(next(100))"
                    concept.attributes = ["mood": ["calm", "grim", ""][next(3)]]
                    return concept
                }
                event.relationships = (0..<next(4)).map { _ in
                    var relationship = DeclaredRelationship()
                    relationship.fromConceptID = "c\(next(8))"
                    relationship.toConceptID = "c\(next(8))"
                    relationship.kind = ["ally-of", "rival-of"][next(2)]
                    return relationship
                }
                records.append(KafkaRecord(topic: "document-ingested", key: Array(id.utf8), value: try event.serializedBytes()))
            } else {
                var event = StoryEvent()
                event.worldID = worlds[next(worlds.count - 1)]
                let sequence = (sequences[event.worldID] ?? 0) + 1
                sequences[event.worldID] = sequence
                event.meta.eventID = "event-\(index)"
                event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(next(10_000)))
                event.sequence = sequence
                event.kind = "happening"
                var update = ConceptUpdate()
                update.conceptID = "c\(next(8))"
                update.description_p = "changed by \(index)"
                update.attributes = ["hp": String(next(50))]
                event.conceptUpdates = [update]
                var relationship = RelationshipUpdate()
                relationship.relationship.fromConceptID = "c\(next(8))"
                relationship.relationship.toConceptID = "c\(next(8))"
                relationship.relationship.kind = ["ally-of", "rival-of"][next(2)]
                relationship.change = next(3) == 0 ? .remove : .upsert
                event.relationshipUpdates = [relationship]
                records.append(KafkaRecord(topic: "story-event", key: Array(event.worldID.utf8), value: try event.serializedBytes()))
            }
        }
        return records
    }

    /// Guarantee 5 for the knowledge base: a live worker reading both topics in small batches, in whatever
    /// interleaving the partitions give it, builds the same tables as a replay.
    @Test func liveTablesEqualAReplayOfBothTopics() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 2, "story-event": 2])
        let database = try TestDatabase.create(prefix: "kb_live_replay")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        let records = try Self.narrative(documents: 60, stories: 240)
        try await StoryEventGenerator.send(records, with: producer)

        let worker = try ChildProcess.annals("annals-kb-worker", arguments: [
            "--brokers", kafka.bootstrapServers, "--database-url", database.url, "--embedder", "hashing", "--dimension", "32",
            "--batch-size", "7", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200",
        ])
        let db = try database.connect()
        try await waitUntil(timeout: .seconds(90), description: "every event applied") {
            if let status = worker.status() { throw TestSupportFailure("worker exited \(status): \(worker.logTail())") }
            let exists = try db.execute("SELECT to_regclass('annals.checkpoints') IS NOT NULL AS present").rows.first?.bool("present") ?? false
            guard exists else { return false }
            return try db.execute("SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM annals.checkpoints WHERE projection = 'kb'")
                .rows.first?.int("n") == records.count
        }
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 32))
        let live = try TableChecksum.checksums(of: projection, connection: db)
        #expect(live.allSatisfy { $0.rows > 0 }, "every kb table has rows: \(live.map { "\($0.table) \($0.rows)" })")
        #expect(try db.execute("SELECT count(*) AS n FROM annals.dead_letters").rows.first?.int("n") == 0)

        let replay = try ChildProcess.annals("annals", arguments: [
            "replay", "kb", "--in-place", "--brokers", kafka.bootstrapServers, "--database-url", database.url,
        ], environment: ["ANNALS_EMBEDDER": "hashing", "ANNALS_KB_DIMENSION": "32"])
        #expect(try await replay.waitForExit(timeout: .seconds(90)) == .exited(0), "\(replay.log())")
        let rebuilt = try TableChecksum.checksums(of: projection, connection: db)
        #expect(rebuilt.map(\.checksum) == live.map(\.checksum))
    }

    /// A blue/green replay loads its shadow without the chunks' HNSW, GIN and world indexes (building them row by row
    /// is what made rebuilds at corpus scale slow), builds them before the swap, and the tables it swaps in have them
    /// and equal an in-place rebuild's, which keeps its indexes throughout.
    @Test func aReplayLoadsItsShadowWithoutTheChunkIndexesAndSwapsInTablesThatHaveThem() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 2, "story-event": 2])
        let database = try TestDatabase.create(prefix: "kb_deferred_indexes")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        try await StoryEventGenerator.send(try Self.narrative(documents: 60, stories: 240), with: producer)
        let environment = ["ANNALS_EMBEDDER": "hashing", "ANNALS_KB_DIMENSION": "32"]
        let connection = ["--brokers", kafka.bootstrapServers, "--database-url", database.url]
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 32))
        let shadow = ShadowReplay.target(projection).schema
        let chunkIndexes = ["chunks_embedding", "chunks_global_embedding", "chunks_tsv", "chunks_global_tsv", "chunks_world", "chunks_world_vectors"]
        @Sendable func indexes(_ schema: String, _ db: PostgresConnection) throws -> [String] {
            try db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'chunks' ORDER BY 1",
                           [PostgresValue(schema)]).rows.map { try $0.string("indexname") }
        }

        let replay = try ChildProcess.annals("annals", arguments: ["replay", "kb", "--batch-size", "7"] + connection,
                                             environment: environment)
        let whileLoading = try await onOwnThread { () -> [String] in
            let db = try database.connect()
            // Frozen only for the two reads (so it cannot build the indexes between them), running between checks.
            let deadline = ContinuousClock.now + .seconds(240)
            var shadowExists = false
            while true {
                if let status = replay.status() { throw TestSupportFailure("replay \(status) early:\n\(replay.logTail())") }
                guard ContinuousClock.now < deadline else { throw TestSupportFailure("the shadow never held a chunk") }
                if !shadowExists {
                    let exists = try db.execute("SELECT to_regclass($1) IS NOT NULL AS present", [PostgresValue("\(shadow).chunks")])
                    shadowExists = try exists.rows.first?.bool("present") == true
                    if !shadowExists { Thread.sleep(forTimeInterval: 0.02); continue }
                }
                try replay.freeze()
                let loaded = try {
                    defer { try? replay.kill(SIGCONT) }
                    let held = try db.execute("SELECT count(*) AS n FROM \(quoteIdentifier(shadow)).chunks").rows.first?.int("n") ?? 0
                    return held > 0 ? try indexes(shadow, db) : nil
                }()
                if let loaded { return loaded }
                Thread.sleep(forTimeInterval: 0.02)  // running, not frozen
            }
        }
        #expect(whileLoading.allSatisfy { !chunkIndexes.contains($0) }, "the shadow was loaded with \(whileLoading)")
        #expect(try await replay.waitForExit(timeout: .seconds(90)) == .exited(0), "\(replay.log())")
        #expect(replay.log().contains("indexes built in"), "\(replay.logTail())")
        let db = try database.connect()
        let live = try indexes("kb", db)
        #expect(Set(chunkIndexes).isSubset(of: live), "the swapped-in chunks lack indexes: \(live)")
        let swapped = try TableChecksum.checksums(of: projection, connection: db)
        #expect(swapped.allSatisfy { $0.rows > 0 }, "every kb table has rows: \(swapped.map { "\($0.table) \($0.rows)" })")

        let inPlace = try ChildProcess.annals("annals", arguments: ["replay", "kb", "--in-place"] + connection, environment: environment)
        #expect(try await inPlace.waitForExit(timeout: .seconds(90)) == .exited(0), "\(inPlace.log())")
        #expect(try TableChecksum.checksums(of: projection, connection: db).map(\.checksum) == swapped.map(\.checksum))
    }
}

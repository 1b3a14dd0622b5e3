import AnnalsEvents
import Kafka
import KnowledgeBase
import Logging
import Postgres
import Projection
import TestSupport
import Testing

/// The knowledge-base projection against a real PostgreSQL with pgvector.
@Suite struct KnowledgeBaseProjectionTests {
    static let lore = """
        # The Ember Library

        The Lamplighters keep the Ember Library burning on the Ashen Coast. Write to vell@ember.example for access.

        ## The Cinder Codex

        Kaela recovered the Cinder Codex from beneath the scriptorium after the Ash Wyrm was driven off.
        """

    static func document(_ id: String, version: UInt64, content: String = lore, world: String = "emberfall",
                         eventID: String? = nil) -> DocumentIngested {
        var event = DocumentIngested()
        event.meta.eventID = eventID ?? "\(id)-v\(version)"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(version))
        event.documentID = id
        event.version = version
        event.worldID = world
        event.title = "Lore of \(id)"
        event.source = "tests"
        event.content = content
        event.contentHash = "hash-\(version)"
        event.tags = ["lore"]
        return event
    }

    static func projected(_ events: [DocumentIngested], projection: KnowledgeBaseProjection) -> [ProjectedEvent] {
        events.enumerated().map { index, event in
            var projected = ProjectedEvent(event: .documentIngested(event),
                                           coordinates: EventCoordinates(topic: "document-ingested", partition: 0, offset: Int64(index)))
            projected.prepared = projection.prepare(projected)
            return projected
        }
    }

    static func apply(_ events: [DocumentIngested], _ projection: KnowledgeBaseProjection, _ db: PostgresConnection) throws {
        try db.transaction { try projection.apply(projected(events, projection: projection), schema: projection.schema, connection: $0) }
    }

    @Test func aDocumentIsStoredScrubbedChunkedAndEmbedded() throws {
        let database = try TestDatabase.create(prefix: "kb_store")
        defer { try? database.drop() }
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 64))
        try ProjectionMigrator.migrate(projection, connection: db)
        try Self.apply([Self.document("library", version: 1)], projection, db)

        let document = try #require(try db.execute("SELECT version, world_id, chunk_count, pii_counts::text AS pii FROM kb.documents").rows.first)
        #expect(try document.int("version") == 1)
        #expect(try document.string("world_id") == "emberfall")
        #expect(try document.string("pii") == #"{"email": 1}"#)
        let chunks = try db.execute("SELECT text, vector_dims(embedding) AS dims, heading_path FROM kb.chunks ORDER BY ordinal").rows
        #expect(chunks.count == (try document.int("chunk_count")))
        #expect(try chunks.allSatisfy { try $0.int("dims") == 64 })
        #expect(try chunks.allSatisfy { try !$0.string("text").contains("vell@ember.example") }, "PII never reaches the tables")
        let found = try db.execute("SELECT count(*) AS n FROM kb.chunks WHERE tsv @@ plainto_tsquery('english', 'cinder codex')").rows
        #expect(try found.first?.int("n") ?? 0 >= 1)
    }

    @Test func aNewerVersionReplacesTheChunksAndAnOlderOneArrivingLateChangesNothing() throws {
        let database = try TestDatabase.create(prefix: "kb_versions")
        defer { try? database.drop() }
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 64))
        try ProjectionMigrator.migrate(projection, connection: db)

        try Self.apply([Self.document("doc", version: 1)], projection, db)
        try Self.apply([Self.document("doc", version: 2, content: "# Rewritten\n\nOnly one short paragraph now.")], projection, db)
        let afterV2 = try TableChecksum.checksums(of: projection, connection: db).map(\.checksum)
        #expect(try db.execute("SELECT DISTINCT version FROM kb.chunks").rows.map { try $0.int("version") } == [2])

        try Self.apply([Self.document("doc", version: 1)], projection, db)            // older, late
        try Self.apply([Self.document("doc", version: 2, content: "# Rewritten\n\nOnly one short paragraph now.")], projection, db)  // same again
        #expect(try TableChecksum.checksums(of: projection, connection: db).map(\.checksum) == afterV2)
    }

    @Test func versionsOutOfOrderInOneBatchEndAtTheHighest() throws {
        let database = try TestDatabase.create(prefix: "kb_order")
        defer { try? database.drop() }
        let db = try database.connect()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 64))
        try ProjectionMigrator.migrate(projection, connection: db)
        try Self.apply([Self.document("doc", version: 3), Self.document("doc", version: 1), Self.document("doc", version: 2)], projection, db)
        #expect(try db.execute("SELECT version FROM kb.documents").rows.first?.int("version") == 3)
    }

    @Test func anEmbeddingDimensionOtherThanTheTablesIsRefusedAtStartUp() throws {
        let database = try TestDatabase.create(prefix: "kb_dimension")
        defer { try? database.drop() }
        let db = try database.connect()
        try ProjectionMigrator.migrate(try KnowledgeBaseProjection(settings: .init(dimension: 64)), connection: db)
        #expect(throws: EmbedderError.modelMismatch(embedder: "hashing-v1", dimension: 128, tables: "hashing-v1", tableDimension: 64)) {
            try ProjectionMigrator.migrate(try KnowledgeBaseProjection(settings: .init(dimension: 128)), connection: db)
        }
    }

    /// Another model of the same dimension fits the column, and would fill one index with vectors of two models:
    /// search silently wrong. The tables record their embedder, and another one is refused with the replay to run.
    @Test func anotherEmbedderOfTheSameDimensionIsRefusedAtStartUp() throws {
        let database = try TestDatabase.create(prefix: "kb_model")
        defer { try? database.drop() }
        let db = try database.connect()
        let hashing = try KnowledgeBaseProjection(settings: .init(dimension: 64))
        try ProjectionMigrator.migrate(hashing, connection: db)
        try Self.apply([Self.document("doc", version: 1)], hashing, db)
        let other = try KnowledgeBaseProjection(settings: .init(dimension: 64), embedder: RenamedEmbedder(model: "other-model-v1"))
        let expected = EmbedderError.modelMismatch(embedder: "other-model-v1", dimension: 64, tables: "hashing-v1", tableDimension: 64)
        #expect(throws: expected) { try ProjectionMigrator.migrate(other, connection: db) }
        #expect(expected.remedy == .replayWithEmbedder(projection: "kb", model: "other-model-v1", dimension: 64))
        try ProjectionMigrator.migrate(hashing, connection: db)  // the embedder the tables were built with still runs
        // Searches (annals search, annals-api) check it once when they are set up: another model's query vectors
        // would be compared with these.
        #expect(throws: expected) {
            try KnowledgeBaseSearch(embedder: RenamedEmbedder(model: "other-model-v1")).requireTablesEmbedder(connection: db)
        }
        try KnowledgeBaseSearch(embedder: try HashingEmbedder(dimension: 64)).requireTablesEmbedder(connection: db)
    }

    /// Tables built before the record existed, with chunks in them, were embedded with the default then: hashing.
    @Test func tablesFromBeforeTheRecordAreTakenAsHashing() throws {
        let database = try TestDatabase.create(prefix: "kb_model_legacy")
        defer { try? database.drop() }
        let db = try database.connect()
        let hashing = try KnowledgeBaseProjection(settings: .init(dimension: 64))
        try ProjectionMigrator.migrate(hashing, connection: db)
        try Self.apply([Self.document("doc", version: 1)], hashing, db)
        try db.execute("DROP TABLE kb.embedder")
        let other = try KnowledgeBaseProjection(settings: .init(dimension: 64), embedder: RenamedEmbedder(model: "other-model-v1"))
        #expect(throws: EmbedderError.modelMismatch(embedder: "other-model-v1", dimension: 64, tables: "hashing-v1", tableDimension: 64)) {
            try ProjectionMigrator.migrate(other, connection: db)
        }
    }

    @Test func replayingTheTopicRebuildsIdenticalTables() async throws {
        let kafka = try TestKafkaCluster(topics: ["document-ingested": 2, "story-event": 1])
        let database = try TestDatabase.create(prefix: "kb_replay")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Logger(label: "test"))
        var records: [KafkaRecord] = []
        for index in 0..<12 {
            let world = index % 2 == 0 ? "emberfall" : ""
            let event = Self.document("doc-\(index % 5)", version: UInt64(index / 5 + 1), world: world)
            let value: [UInt8] = try event.serializedBytes()
            records.append(KafkaRecord(topic: "document-ingested", key: Array(event.documentID.utf8), value: value))
        }
        try await StoryEventGenerator.send(records, with: producer)
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 64))

        _ = try ProjectionRebuild.inPlace(projection, kafka: kafka.config, databaseURL: database.url, logger: Logger(label: "test"), progress: { _ in })
        let db = try database.connect()
        let first = try TableChecksum.checksums(of: projection, connection: db)
        _ = try ProjectionRebuild.inPlace(projection, kafka: kafka.config, databaseURL: database.url, logger: Logger(label: "test"), progress: { _ in })
        let second = try TableChecksum.checksums(of: projection, connection: db)
        #expect(first.map(\.checksum) == second.map(\.checksum))
        #expect(try db.execute("SELECT count(*) AS n FROM kb.documents").rows.first?.int("n") == 5)
        #expect(try db.execute("SELECT count(*) AS n FROM kb.documents WHERE world_id IS NULL").rows.first?.int("n") ?? 0 > 0,
                "documents without a world are global")
    }
}

/// The hashing embedder's vectors under another model name: an embedder of the same dimension but another model.
private struct RenamedEmbedder: Embedder {
    let model: String
    let dimension = 64
    func embed(_ texts: [String]) async throws -> [[Float]] { try await HashingEmbedder(dimension: 64).embed(texts) }
}

import AnnalsEvents
import Postgres
import Projection

/// Every SQL statement of the knowledge-base projection.
struct KnowledgeBaseSQL {
    /// Quoted schema name.
    let schema: String

    static func migrations(schema s: String, settings: KnowledgeBaseSettings) -> [String] {
        [
            "CREATE EXTENSION IF NOT EXISTS vector",
            """
            CREATE TABLE IF NOT EXISTS \(s).documents (
                document_id text PRIMARY KEY,
                version bigint NOT NULL,
                world_id text,
                title text NOT NULL,
                source text NOT NULL,
                content_hash text NOT NULL,
                tags text[] NOT NULL,
                pii_counts jsonb NOT NULL,
                chunk_count integer NOT NULL,
                event_id text NOT NULL,
                occurred_at timestamptz NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                "offset" bigint NOT NULL
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(s).chunks (
                document_id text NOT NULL,
                version bigint NOT NULL,
                ordinal integer NOT NULL,
                world_id text,
                text text NOT NULL,
                heading_path text[] NOT NULL,
                token_count integer NOT NULL,
                embedding vector(\(settings.dimension)) NOT NULL,
                tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
                PRIMARY KEY (document_id, ordinal)
            )
            """,
        ]
    }

    /// The chunks' secondary indexes: a replay builds them once its shadow is loaded (`Projection.deferredIndexes`).
    static func indexes(schema s: String, settings: KnowledgeBaseSettings) -> [String] {
        let all = [
            """
            CREATE INDEX IF NOT EXISTS chunks_embedding ON \(s).chunks USING hnsw (embedding vector_cosine_ops)
            WITH (m = \(settings.hnswM), ef_construction = \(settings.hnswEfConstruction))
            """,
            // Search takes a world's nearest chunks and the global ones apart (SearchSQL.Part): the global
            // chunks get an HNSW index of their own rather than a filter over everyone's, built finer.
            """
            CREATE INDEX IF NOT EXISTS chunks_global_embedding ON \(s).chunks USING hnsw (embedding vector_cosine_ops)
            WITH (m = \(settings.globalHnswM), ef_construction = \(settings.globalHnswEfConstruction)) WHERE world_id IS NULL
            """,
            "CREATE INDEX IF NOT EXISTS chunks_tsv ON \(s).chunks USING gin (tsv)",
            // The global chunks' words apart, as their vectors are (SearchSQL.Part).
            "CREATE INDEX IF NOT EXISTS chunks_global_tsv ON \(s).chunks USING gin (tsv) WHERE world_id IS NULL",
            "CREATE INDEX IF NOT EXISTS chunks_world ON \(s).chunks (world_id)",
            // A world's vectors in an index of their own: its exact nearest-neighbour scan reads them from these
            // pages (an index-only scan) rather than each one out of line from TOAST (3.1 → 0.8 ms for 1,000
            // chunks). Full text keeps the narrow `chunks_world` to intersect its matches with a world.
            // Vectors up to KnowledgeBaseSettings.worldVectorIndexMaxDimension only: larger ones do not fit an entry.
            "CREATE INDEX IF NOT EXISTS chunks_world_vectors ON \(s).chunks (world_id) INCLUDE (document_id, ordinal, embedding)",
        ]
        return settings.indexesWorldVectors ? all : all.filter { !$0.contains("chunks_world_vectors") }
    }

    /// The record of the embedder the chunks' vectors come from (one row), created with the tables. Tables that
    /// have chunks from before the record existed were embedded with `hashing-v1`, the only default there was, unless
    /// the embedding cache holds vectors of this embedder's model (a remote embedder then).
    static func embedderRecord(schema s: String, model: String, dimension: Int) -> [String] {
        let model = quoteLiteral(model)
        return [
            """
            CREATE TABLE IF NOT EXISTS \(s).embedder (
                only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                model text NOT NULL,
                dimension integer NOT NULL
            )
            """,
            """
            INSERT INTO \(s).embedder (model, dimension)
            SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM \(s).chunks)
                          OR EXISTS (SELECT 1 FROM \(EmbeddingCache.table) WHERE model = \(model)) THEN \(model)
                        ELSE 'hashing-v1' END,
                   \(dimension)
            WHERE NOT EXISTS (SELECT 1 FROM \(s).embedder)
            """,
        ]
    }

    /// Throws `EmbedderError.modelMismatch` when the tables record another embedder (model or dimension) than
    /// `embedder`; tables without the record pass.
    func requireRecordedEmbedder(matching embedder: any Embedder, connection: PostgresConnection) throws {
        let exists = try connection.execute("SELECT to_regclass($1) IS NOT NULL AS present", [PostgresValue("\(schema).embedder")])
        guard try exists.rows.first?.bool("present") == true,
              let row = try connection.execute("SELECT model, dimension FROM \(schema).embedder").rows.first else { return }
        let (model, dimension) = (try row.string("model"), try row.int("dimension"))
        if model != embedder.model || dimension != embedder.dimension {
            throw EmbedderError.modelMismatch(embedder: embedder.model, dimension: embedder.dimension,
                                              tables: model, tableDimension: dimension)
        }
    }

    /// The dimension of the table's embedding column.
    func embeddingDimension(connection: PostgresConnection) throws -> Int? {
        let result = try connection.execute(
            """
            SELECT a.atttypmod AS dimension FROM pg_attribute a
            WHERE a.attrelid = to_regclass($1) AND a.attname = 'embedding' AND NOT a.attisdropped
            """,
            [PostgresValue("\(schema).chunks")])
        return try result.rows.first.map { try $0.int("dimension") }
    }

    func storedVersions(_ documentIDs: [String], connection: PostgresConnection) throws -> [String: Int64] {
        let result = try connection.execute(
            "SELECT document_id, version FROM \(schema).documents WHERE document_id = ANY($1::text[])",
            [.textArray(documentIDs)])
        var versions: [String: Int64] = [:]
        for row in result.rows { versions[try row.string("document_id")] = try row.int64("version") }
        return versions
    }

    /// Replaces each document's row and all its chunks.
    func replace(_ documents: [(plan: DocumentPlan, event: DocumentIngested, coordinates: EventCoordinates)],
                 connection: PostgresConnection) throws {
        guard !documents.isEmpty else { return }
        try connection.execute(
            "DELETE FROM \(schema).chunks WHERE document_id = ANY($1::text[])", [.textArray(documents.map(\.plan.documentID))])
        let statements: [(sql: String, parameters: [PostgresValue?])] = documents.map { plan, event, at in
            (
                """
                INSERT INTO \(schema).documents (document_id, version, world_id, title, source, content_hash, tags,
                    pii_counts, chunk_count, event_id, occurred_at, topic, partition, "offset")
                VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8::jsonb, $9, $10, $11, $12, $13, $14)
                ON CONFLICT (document_id) DO UPDATE SET
                    version = EXCLUDED.version, world_id = EXCLUDED.world_id, title = EXCLUDED.title,
                    source = EXCLUDED.source, content_hash = EXCLUDED.content_hash, tags = EXCLUDED.tags,
                    pii_counts = EXCLUDED.pii_counts, chunk_count = EXCLUDED.chunk_count, event_id = EXCLUDED.event_id,
                    occurred_at = EXCLUDED.occurred_at, topic = EXCLUDED.topic, partition = EXCLUDED.partition,
                    "offset" = EXCLUDED."offset"
                """,
                [
                    PostgresValue(plan.documentID), .int(plan.version), plan.worldID.map { PostgresValue($0) },
                    PostgresValue(plan.title), PostgresValue(plan.source), PostgresValue(plan.contentHash),
                    .textArray(plan.tags), PostgresValue(Self.json(plan.piiCounts)), .int(plan.chunks.count),
                    PostgresValue(event.meta.eventID),
                    .timestamp(microsecondsSinceEpoch: event.meta.occurredAt.microsecondsSinceEpoch),
                    PostgresValue(at.topic), .int(at.partition), .int(at.offset),
                ]
            )
        }
        _ = try connection.pipeline(statements)
        try connection.copy(
            into: """
            COPY \(schema).chunks (document_id, version, ordinal, world_id, text, heading_path, token_count, embedding)
            FROM STDIN
            """,
            rows: documents.flatMap { plan, _, _ in
                plan.chunks.map { chunk -> [PostgresValue?] in
                    [
                        PostgresValue(plan.documentID), .int(plan.version), .int(chunk.ordinal),
                        plan.worldID.map { PostgresValue($0) }, PostgresValue(chunk.text), .textArray(chunk.headingPath),
                        .int(chunk.tokenCount), PostgresValue(Self.vectorLiteral(chunk.embedding)),
                    ]
                }
            })
    }

    /// pgvector's text form, `[0.1,-0.2,…]`; Swift prints the shortest exact decimal, so it is deterministic.
    static func vectorLiteral(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 12 + 2)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in vector.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: value.description.utf8)  // shortest text that reads back as the same Float
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `{"email": 2, …}` with keys sorted.
    static func json(_ counts: [PIIKind: Int]) -> String {
        "{" + counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\"\($0.key.rawValue)\":\($0.value)" }
            .joined(separator: ",") + "}"
    }
}

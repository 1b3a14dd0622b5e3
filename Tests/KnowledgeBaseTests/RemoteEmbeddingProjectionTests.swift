import AnnalsEvents
import KnowledgeBase
import Postgres
import Projection
import Synchronization
import TestSupport
import Testing

/// A stand-in for a remote model: hashing vectors, a call log, and failures on demand.
final class ScriptedEmbedder: Embedder, Sendable {
    struct Failure: EmbedderFailure, CustomStringConvertible {
        var failureKind: EmbedderFailureKind
        var description: String { "scripted \(failureKind) failure" }
    }

    let model = "scripted-model"
    let dimension = 32
    private let hashing = try! HashingEmbedder(dimension: 32)  // swiftlint:disable:this force_try
    private let state = Mutex<(calls: [[String]], failures: [EmbedderFailureKind], refused: String?)>(([], [], nil))

    /// Texts sent, one array per call.
    var calls: [[String]] { state.withLock { $0.calls } }
    /// The next calls fail with these, in order.
    func fail(_ kinds: EmbedderFailureKind...) { state.withLock { $0.failures += kinds } }
    /// Any call including a text containing `marker` is refused as bad input.
    func refuse(textsContaining marker: String) { state.withLock { $0.refused = marker } }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        try state.withLock { state in
            state.calls.append(texts)
            if !state.failures.isEmpty { throw Failure(failureKind: state.failures.removeFirst()) }
            if let marker = state.refused, texts.contains(where: { $0.contains(marker) }) {
                throw Failure(failureKind: .rejectedInput)
            }
            return texts.map(hashing.embedOne)
        }
    }
}

/// The knowledge-base projection with a remote embedder: the cache, and what each kind of failure does.
@Suite struct RemoteEmbeddingProjectionTests {
    static func events(_ documents: [DocumentIngested], projection: KnowledgeBaseProjection) -> [ProjectedEvent] {
        KnowledgeBaseProjectionTests.projected(documents, projection: projection)
    }

    static func setUp(_ prefix: String) throws -> (TestDatabase, PostgresConnection, KnowledgeBaseProjection, ScriptedEmbedder) {
        let database = try TestDatabase.create(prefix: prefix)
        let db = try database.connect()
        let embedder = ScriptedEmbedder()
        let projection = try KnowledgeBaseProjection(settings: .init(dimension: 32), embedder: embedder)
        try ProjectionMigrator.migrate(projection, connection: db)
        return (database, db, projection, embedder)
    }

    static let documents = [
        KnowledgeBaseProjectionTests.document("library", version: 1),
        KnowledgeBaseProjectionTests.document("codex", version: 1, content: "# The Codex\n\nA book of embers and ash."),
    ]

    /// `complete` waits for the model as the committer thread does, so it runs on a thread of its own.
    @Test func vectorsComeFromTheModelOnceAndFromTheCacheOnEveryReplay() async throws { try await onOwnThread {
        let (database, db, projection, embedder) = try Self.setUp("kb_remote_cache")
        defer { try? database.drop() }
        let completed = try projection.complete(Self.events(Self.documents, projection: projection), connection: db)
        try db.transaction { try projection.apply(completed, schema: projection.schema, connection: $0) }
        let sent = embedder.calls.flatMap { $0 }.count
        #expect(sent > 0)
        let live = try TableChecksum.checksums(of: projection, connection: db).map(\.checksum)

        try db.execute("TRUNCATE kb.documents, kb.chunks")
        let again = try projection.complete(Self.events(Self.documents, projection: projection), connection: db)
        try db.transaction { try projection.apply(again, schema: projection.schema, connection: $0) }
        #expect(embedder.calls.flatMap { $0 }.count == sent, "the replay asked the model for nothing")
        #expect(try TableChecksum.checksums(of: projection, connection: db).map(\.checksum) == live)
        let cached = try db.execute("SELECT count(*) AS n FROM kb_cache.embeddings WHERE model = 'scripted-model' AND dimension = 32")
        #expect(try cached.rows.first?.int("n") == sent)
    } }

    @Test func aTransientFailureAsksForTheBatchToBeRetried() async throws { try await onOwnThread {
        let (database, db, projection, embedder) = try Self.setUp("kb_remote_transient")
        defer { try? database.drop() }
        embedder.fail(.transient)
        #expect(throws: TransientFailure.self) {
            try projection.complete(Self.events(Self.documents, projection: projection), connection: db)
        }
        let completed = try projection.complete(Self.events(Self.documents, projection: projection), connection: db)
        try db.transaction { try projection.apply(completed, schema: projection.schema, connection: $0) }
        #expect(try db.execute("SELECT count(*) AS n FROM kb.documents").rows.first?.int("n") == 2)
    } }

    @Test func aDocumentTheModelRefusesIsRejectedAndTheOthersAreStored() async throws { try await onOwnThread {
        let (database, db, projection, embedder) = try Self.setUp("kb_remote_refused")
        defer { try? database.drop() }
        embedder.refuse(textsContaining: "embers and ash")
        let completed = try projection.complete(Self.events(Self.documents, projection: projection), connection: db)
        let plans = completed.compactMap { $0.prepared as? DocumentPlan }
        #expect(plans.map { $0.embeddingFailure != nil } == [false, true])
        #expect(throws: (any Error).self) {
            try db.transaction { try projection.apply([completed[1]], schema: projection.schema, connection: $0) }
        }
        try db.transaction { try projection.apply([completed[0]], schema: projection.schema, connection: $0) }
        #expect(try db.execute("SELECT document_id FROM kb.documents").rows.map { try $0.string("document_id") } == ["library"])
    } }

    @Test func aConfigurationFailureStopsTheWorker() async throws { try await onOwnThread {
        let (database, db, projection, embedder) = try Self.setUp("kb_remote_config")
        defer { try? database.drop() }
        embedder.fail(.configuration)
        #expect(throws: ScriptedEmbedder.Failure.self) {
            try projection.complete(Self.events(Self.documents, projection: projection), connection: db)
        }
    } }
}

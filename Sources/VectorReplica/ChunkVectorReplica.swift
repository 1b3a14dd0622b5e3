import KnowledgeBase
import Postgres
import Projection
import Synchronization

/// The knowledge base's chunk vectors copied into memory (`ChunkVectorIndex`) and kept up to date with the tables,
/// for a server answering many searches: the vector half of a search is then an exact scan in process instead of
/// PostgreSQL's HNSW scans. The tables stay the only truth; this is a cache of them.
///
/// `load` reads every document's vectors (seconds at 100,000 chunks; a server searches through the database
/// meanwhile). `upToDate` brings the copy to a data version before a search: the documents whose version changed
/// since are read again, in one snapshot; when the chunks table itself was replaced (a blue/green replay's swap),
/// the copy is dropped and must be loaded again. Blocking: call it off the cooperative pool.
public final class ChunkVectorReplica: Sendable {
    /// The knowledge-base schema, as given.
    public let schema: String
    private let sql: String
    private let state = Mutex(State())
    /// Held while the copy is brought up to date, so that concurrent searches wait for one refresh, not start many.
    private let refreshing = Mutex(())

    private struct State: Sendable {
        var index: ChunkVectorIndex?
        /// The chunks table the copy was read from (its oid), and each document's version in it.
        var table: String?
        var versions: [String: Int64] = [:]
        /// The data version the copy reflects at least.
        var dataVersion: String?
        var loading = false
        var failedAt: ContinuousClock.Instant?
    }

    /// Documents whose chunks are read per statement.
    static let documentsPerRead = 500

    public init(schema: String) {
        self.schema = schema
        sql = quoteIdentifier(schema)
    }

    /// The copy, when it is loaded and holds `dataVersion` (`annals.data_version('kb')`, read just before); brought
    /// up to it first when the tables changed since. nil when it is not loaded, or was dropped because the table was
    /// replaced: the caller searches through the database and starts `load`.
    public func upToDate(dataVersion: String, connection: PostgresConnection) throws -> ChunkVectorIndex? {
        if let index = current(at: dataVersion) { return index }
        return try refreshing.withLock { _ -> ChunkVectorIndex? in
            let (held, table, versions, current) = state.withLock { ($0.index, $0.table, $0.versions, $0.dataVersion) }
            guard var index = held else { return nil }
            if current == dataVersion { return index }
            let refreshed = try connection.transaction(.readOnlySnapshot) { tx -> (ChunkVectorIndex, [String: Int64])? in
                guard try tableID(tx) == table else { return nil }
                var versions = versions
                try apply(Self.changes(from: versions, to: try documentVersions(tx)), to: &index, versions: &versions, tx)
                return (index, versions)
            }
            state.withLock { state in
                guard state.table == table, state.index != nil else { return }  // dropped or loaded again meanwhile
                guard let (index, versions) = refreshed else {
                    state = State(loading: state.loading)  // another table under the name: load it again
                    return
                }
                (state.index, state.versions, state.dataVersion) = (index, versions, dataVersion)
            }
            return refreshed?.0
        }
    }

    /// The copy when it holds `dataVersion` already; nil when it must be brought up to it (`upToDate`) or loaded.
    public func current(at dataVersion: String) -> ChunkVectorIndex? {
        state.withLock { $0.dataVersion == dataVersion ? $0.index : nil }
    }

    /// How long after a failed load the next one may start.
    public static let retryAfterFailure: Duration = .seconds(30)

    /// Whether the caller should load the copy now: true for one caller until it calls `releaseLoad`; false while
    /// the copy is loaded, another caller is loading it, or within `retryAfterFailure` of a failed load.
    public func claimLoad(now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard state.index == nil, !state.loading, state.failedAt.map({ now - $0 >= Self.retryAfterFailure }) ?? true
            else { return false }
            state.loading = true
            return true
        }
    }

    /// Ends the claim of `claimLoad`; a load that did not succeed delays the next by `retryAfterFailure`.
    public func releaseLoad(loaded: Bool, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.loading = false
            state.failedAt = loaded ? nil : now
        }
    }

    /// Forgets the copy (the tables were rebuilt at another dimension): searches use the database until it is loaded
    /// again.
    public func drop() {
        state.withLock { $0 = State(loading: $0.loading) }
    }

    /// Reads every document's vectors into a new copy of `dimension` and makes it the current one, as of the data
    /// version `dataVersion` reads in the same snapshot. `progress` is told the documents read so far and how many
    /// there are. Returns the copy. Blocking.
    @discardableResult
    public func load(dimension: Int, connection: PostgresConnection,
                     dataVersion: (PostgresConnection) throws -> String?,
                     progress: (Int, Int) -> Void = { _, _ in }) throws -> ChunkVectorIndex {
        let loaded = try connection.transaction(.readOnlySnapshot) { tx in
            let (version, table) = (try dataVersion(tx), try tableID(tx))
            var index = ChunkVectorIndex(dimension: dimension)
            var versions: [String: Int64] = [:]
            try apply(Self.changes(from: [:], to: try documentVersions(tx)), to: &index, versions: &versions, tx, progress: progress)
            return (index, table, versions, version)
        }
        state.withLock { state in
            (state.index, state.table, state.versions, state.dataVersion) = loaded
        }
        return loaded.0
    }

    /// What the tables hold now that the copy does not: documents new or at another version, with their world,
    /// and documents gone.
    struct Changes {
        var changed: [(documentID: String, version: Int64, worldID: String?)]
        var removed: [String]
    }

    /// The changes from `held` (document → version) to `now`; pure.
    static func changes(from held: [String: Int64], to now: [(documentID: String, version: Int64, worldID: String?)]) -> Changes {
        let present = Set(now.map(\.documentID))
        return Changes(changed: now.filter { held[$0.documentID] != $0.version },
                       removed: held.keys.filter { !present.contains($0) }.sorted())
    }

    /// Reads the changed documents' chunks into `index` and `versions`, `documentsPerRead` at a time.
    private func apply(_ changes: Changes, to index: inout ChunkVectorIndex, versions: inout [String: Int64],
                       _ tx: PostgresConnection, progress: (Int, Int) -> Void = { _, _ in }) throws {
        for documentID in changes.removed {
            index.remove(document: documentID)
            versions[documentID] = nil
        }
        var done = 0
        for start in stride(from: 0, to: changes.changed.count, by: Self.documentsPerRead) {
            let batch = changes.changed[start..<min(start + Self.documentsPerRead, changes.changed.count)]
            let chunks = try chunkVectors(of: batch.map(\.documentID), tx)
            for document in batch {
                do {
                    try index.replace(document: document.documentID, worldID: document.worldID, chunks: chunks[document.documentID] ?? [])
                } catch {
                    throw PostgresError(.decoding, message: "\(schema).chunks of \(document.documentID): \(error)")
                }
                versions[document.documentID] = document.version
            }
            done += batch.count
            progress(done, changes.changed.count)
        }
    }

    /// The chunks table's oid: a swap puts another table under the same name.
    private func tableID(_ tx: PostgresConnection) throws -> String? {
        try tx.execute("SELECT to_regclass($1)::oid::text AS id", [PostgresValue("\(sql).chunks")]).rows.first?.optionalString("id")
    }

    private func documentVersions(_ tx: PostgresConnection) throws -> [(documentID: String, version: Int64, worldID: String?)] {
        try tx.execute("SELECT document_id, version, world_id FROM \(sql).documents").rows.map { row in
            (try row.string("document_id"), try row.int64("version"), row.optionalString("world_id"))
        }
    }

    /// The vectors of `documents`' chunks, by document.
    private func chunkVectors(of documents: [String], _ tx: PostgresConnection) throws -> [String: [(ordinal: Int, vector: [Float])]] {
        let rows = try tx.execute(
            "SELECT document_id, ordinal, embedding::text AS embedding FROM \(sql).chunks WHERE document_id = ANY($1::text[])",
            [.textArray(documents)]).rows
        var chunks: [String: [(ordinal: Int, vector: [Float])]] = [:]
        for row in rows {
            let text = try row.string("embedding")
            guard let vector = VectorText.parse(text) else {
                throw PostgresError(.decoding, message: "\(schema).chunks.embedding is not a vector: \(text.prefix(40))")
            }
            chunks[try row.string("document_id"), default: []].append((try row.int("ordinal"), vector))
        }
        return chunks
    }
}

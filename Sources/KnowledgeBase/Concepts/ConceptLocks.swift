import Postgres

/// Transaction-level advisory locks that make two batches touching the same concept or relationship take turns.
///
/// A `concepts` or `relationships` row is recomputed from every stored change of its key: a batch reads the
/// changes, folds them and writes the row back. One key's changes come from two topics keyed differently
/// (`document-ingested` by document, `story-event` by world), so two workers may touch it at once; under READ
/// COMMITTED each would read without the other's uncommitted change, and the later commit would overwrite the
/// row with a fold missing the earlier one's. Holding a lock per key from before the read until commit makes the
/// second batch read after the first commits. Every batch takes its locks in one statement, in ascending order,
/// so two batches cannot deadlock on them.
///
/// A key's lock is one of `buckets`, chosen by a fixed hash (FNV-1a, finalised): the same in every process, unlike
/// Swift's seeded `Hasher`. Buckets bound the locks a batch holds however many concepts it touches (PostgreSQL's
/// shared lock table has room for about `max_locks_per_transaction` × `max_connections`, 6,400 by default, for
/// every session together, and running out of it stops a worker); two keys sharing a bucket only take turns
/// needlessly.
enum ConceptLocks {
    /// What a lock serialises.
    enum Scope: Sendable, Hashable {
        case concept(worldID: String, conceptID: String)
        case relationship(RelationshipChange.Key)
    }

    /// The most locks one batch holds.
    static let buckets: UInt64 = 512

    /// Two-key advisory locks (namespace, bucket) live apart from one-key ones (migrations, actuation, the outbox)
    /// and from the redrive lock's namespace.
    static let namespace: Int32 = 0x6B62_636E  // "kbcn"

    /// The fixed 64-bit hash of `scope` in the (quoted) `schema`: a shadow rebuild's keys are not the live ones.
    static func hash(_ scope: Scope, schema: String) -> UInt64 {
        let parts: [String] = switch scope {
        case .concept(let world, let concept):
            ["concept", schema, world, concept]
        case .relationship(let key):
            ["relationship", schema, key.worldID, key.fromConceptID, key.toConceptID, key.kind]
        }
        // Each part is preceded by its length, so no two different lists of parts hash the same bytes.
        var hash = FNV1a.offsetBasis
        for part in parts {
            let bytes = Array(part.utf8)
            let count = UInt64(bytes.count)
            hash = FNV1a.hash((0..<8).map { UInt8(truncatingIfNeeded: count >> ($0 * 8)) }, from: hash)
            hash = FNV1a.hash(bytes, from: hash)
        }
        return FNV1a.finalized(hash)
    }

    /// The bucket whose lock guards `scope`, in `0..<buckets`.
    static func key(_ scope: Scope, schema: String) -> Int32 {
        Int32(hash(scope, schema: schema) % buckets)
    }

    /// The distinct lock keys of `scopes`, in the ascending order every batch takes them in.
    static func keys(_ scopes: some Sequence<Scope>, schema: String) -> [Int32] {
        Set(scopes.map { key($0, schema: schema) }).sorted()
    }

    /// The scopes `changes` touch: every concept and relationship whose current state they recompute.
    static func scopes(of changes: NarrativeChanges) -> [Scope] {
        changes.concepts.map { .concept(worldID: $0.worldID, conceptID: $0.conceptID) }
            + changes.relationships.map { .relationship($0.key) }
    }

    /// Waits for and takes `keys` (ascending, as `keys(_:schema:)` gives them), until the transaction ends.
    static func hold(_ keys: [Int32], connection: PostgresConnection) throws {
        guard !keys.isEmpty else { return }
        try connection.execute(
            """
            SELECT pg_advisory_xact_lock($1::int4, k) FROM unnest($2::int4[]) WITH ORDINALITY AS t(k, n) ORDER BY n
            """,
            [.int(namespace), .int64Array(keys.map(Int64.init))])
    }
}

import Testing
@testable import VectorReplica

/// The replica's decisions that need no database: what changed between two lists of document versions, and when
/// a load may start.
@Suite struct ChunkVectorReplicaStateTests {
    @Test func changesAreNewDocumentsOtherVersionsAndDocumentsGone() {
        let held: [String: Int64] = ["kept": 1, "bumped": 1, "gone": 3, "moved": 2]
        let changes = ChunkVectorReplica.changes(from: held, to: [
            ("kept", 1, "w"), ("bumped", 2, "w"), ("new", 1, nil), ("moved", 3, nil),
        ])
        #expect(changes.changed.map(\.documentID) == ["bumped", "new", "moved"])
        #expect(changes.changed.map(\.worldID) == ["w", nil, nil])
        #expect(changes.removed == ["gone"])
        #expect(ChunkVectorReplica.changes(from: held, to: []).removed == ["bumped", "gone", "kept", "moved"])
    }

    @Test func oneLoadAtATimeAndAFailedOneWaitsBeforeTheNext() {
        let replica = ChunkVectorReplica(schema: "kb")
        let start = ContinuousClock.now
        #expect(replica.claimLoad(now: start))
        #expect(!replica.claimLoad(now: start), "a second caller while the first loads")
        replica.releaseLoad(loaded: false, now: start)
        #expect(!replica.claimLoad(now: start + .seconds(29)), "within retryAfterFailure of the failure")
        #expect(replica.claimLoad(now: start + ChunkVectorReplica.retryAfterFailure))
    }
}

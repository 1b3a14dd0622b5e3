import Projection
import Testing

@Suite("Readiness")
struct ReadinessTests {
    private let second: UInt64 = 1_000_000_000

    private func snapshot(_ change: (inout RunnerHealth.Snapshot) -> Void) -> RunnerHealth.Snapshot {
        var snapshot = RunnerHealth.Snapshot()
        snapshot.started = 10 * second
        snapshot.assignedPartitions = 2
        snapshot.databaseReachable = true
        change(&snapshot)
        return snapshot
    }

    @Test func assignedWithAReachableDatabaseIsReady() {
        #expect(Readiness.failing(snapshot { _ in }, now: 20 * second, stallAfterNanoseconds: 5 * second).isEmpty)
    }

    @Test func noPartitionsIsUnreadyUnlessReplaying() {
        let idle = snapshot { $0.assignedPartitions = 0 }
        #expect(Readiness.failing(idle, now: 20 * second, stallAfterNanoseconds: 5 * second) == [.partitions])
        var replay = idle
        replay.isReplay = true
        #expect(Readiness.failing(replay, now: 20 * second, stallAfterNanoseconds: 5 * second).isEmpty)
    }

    @Test func aFailedOrMissingDatabaseRoundTripIsUnready() {
        #expect(Readiness.failing(snapshot { $0.databaseReachable = false }, now: 20 * second, stallAfterNanoseconds: 5 * second) == [.database])
        #expect(Readiness.failing(snapshot { $0.databaseReachable = nil }, now: 20 * second, stallAfterNanoseconds: 5 * second) == [.database])
    }

    @Test func waitingMessagesWithoutACommitForTooLongIsStalled() {
        var waiting = snapshot { $0.lastCommit = 12 * second }
        waiting.observe(backlog: 3, now: 11 * second)
        #expect(Readiness.failing(waiting, now: 16 * second, stallAfterNanoseconds: 5 * second).isEmpty)
        #expect(Readiness.failing(waiting, now: 18 * second, stallAfterNanoseconds: 5 * second) == [.stalled])
        // Nothing waiting: an idle worker is never stalled.
        let idle = snapshot { $0.lastCommit = 12 * second }
        #expect(Readiness.failing(idle, now: 100 * second, stallAfterNanoseconds: 5 * second).isEmpty)
        // Never committed: measured from the start.
        var fresh = snapshot { _ in }
        fresh.observe(lag: 40, now: 10 * second)
        #expect(Readiness.failing(fresh, now: 16 * second, stallAfterNanoseconds: 5 * second) == [.stalled])
    }

    @Test func aMessageArrivingAfterALongIdleSpellIsNotAStall() {
        var woken = snapshot { $0.lastCommit = 12 * second }
        woken.observe(lag: 1, now: 600 * second)
        #expect(Readiness.failing(woken, now: 601 * second, stallAfterNanoseconds: 5 * second).isEmpty)
        #expect(Readiness.failing(woken, now: 606 * second, stallAfterNanoseconds: 5 * second) == [.stalled])
        woken.observe(lag: 0, now: 602 * second)
        #expect(woken.waitingSince == nil)
        #expect(Readiness.failing(woken, now: 700 * second, stallAfterNanoseconds: 5 * second).isEmpty)
    }

    @Test func healthKeepsTheLatestUpdate() {
        let health = RunnerHealth()
        health.update { $0.assignedPartitions = 3 }
        health.update { $0.databaseReachable = false }
        #expect(health.snapshot.assignedPartitions == 3)
        #expect(health.snapshot.databaseReachable == false)
    }
}

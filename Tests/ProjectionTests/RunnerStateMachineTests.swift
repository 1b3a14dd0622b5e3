import Kafka
import Projection
import Testing

@Suite struct RunnerStateMachineTests {
    static let p0 = TopicPartition(topic: "story-event", partition: 0)
    static let p1 = TopicPartition(topic: "story-event", partition: 1)
    static let settings = RunnerStateMachine.Settings(maxBatch: 3, lingerNanoseconds: 1_000, idlePollNanoseconds: 10_000)

    static func message(_ partition: TopicPartition, _ offset: Int64) -> KafkaMessage {
        KafkaMessage(topic: partition.topic, partition: partition.partition, offset: offset,
                     key: nil, value: [1], headers: [], timestampMilliseconds: nil)
    }

    static func machine(checkpoints: [TopicPartition: Int64] = [:]) -> RunnerStateMachine {
        var machine = RunnerStateMachine(settings: settings)
        _ = machine.assigned([p0, p1], checkpoints: checkpoints)
        return machine
    }

    @Test func assignmentStartsAtStoredCheckpointsOrOffsetZeroNeverTheLogsCurrentStart() {
        var machine = RunnerStateMachine(settings: Self.settings)
        let starts = machine.assigned([Self.p0, Self.p1], checkpoints: [Self.p0: 42])
        #expect(starts == [Self.p0: 42, Self.p1: 0])
    }

    @Test func idleMachinePollsForAFullBatch() {
        var machine = Self.machine()
        #expect(machine.nextAction(now: 0) == .poll(maxMessages: 3, timeoutNanoseconds: 10_000))
    }

    @Test func fullBatchFlushesAtOnceWithCompareAndSetMoves() {
        var machine = Self.machine(checkpoints: [Self.p0: 10])
        machine.received([Self.message(Self.p0, 10), Self.message(Self.p1, 0), Self.message(Self.p0, 11)], now: 0)
        guard case .flush(let batch) = machine.nextAction(now: 0) else {
            Issue.record("expected a flush")
            return
        }
        #expect(batch.messages.map(\.offset) == [10, 0, 11])
        #expect(batch.moves == [
            CheckpointMove(partition: Self.p0, expected: 10, next: 12),
            CheckpointMove(partition: Self.p1, expected: nil, next: 1),
        ])
    }

    @Test func partialBatchWaitsForTheLingerThenFlushes() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0)], now: 100)
        #expect(machine.nextAction(now: 400) == .poll(maxMessages: 2, timeoutNanoseconds: 700))
        guard case .flush(let batch) = machine.nextAction(now: 1_100) else {
            Issue.record("expected a flush after the linger")
            return
        }
        #expect(batch.messages.count == 1)
    }

    @Test func committedBatchMovesTheExpectedCheckpoint() {
        var machine = Self.machine(checkpoints: [Self.p0: 5])
        machine.received([Self.message(Self.p0, 5), Self.message(Self.p0, 6), Self.message(Self.p0, 7)], now: 0)
        guard case .flush(let first) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        _ = machine.flushSucceeded(first)
        machine.received([Self.message(Self.p0, 8), Self.message(Self.p0, 9), Self.message(Self.p0, 10)], now: 1)
        guard case .flush(let second) = machine.nextAction(now: 1) else { Issue.record("expected a flush"); return }
        #expect(second.moves == [CheckpointMove(partition: Self.p0, expected: 8, next: 11)])
    }

    @Test func redeliveredOffsetsAreDropped() {
        var machine = Self.machine(checkpoints: [Self.p0: 5])
        machine.received([Self.message(Self.p0, 3), Self.message(Self.p0, 5), Self.message(Self.p0, 5)], now: 0)
        #expect(machine.pendingCount == 1)
    }

    @Test func messagesOfUnownedPartitionsAreDropped() {
        var machine = Self.machine()
        machine.received([Self.message(TopicPartition(topic: "story-event", partition: 9), 0)], now: 0)
        #expect(machine.pendingCount == 0)
    }

    @Test func revokeDropsUncommittedMessagesOfLostPartitionsOnly() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0), Self.message(Self.p1, 0)], now: 0)
        machine.revoked([Self.p0])
        #expect(machine.pendingCount == 1)
        #expect(machine.assignedPartitions == [Self.p1])
    }

    @Test func fencingDropsPendingWorkAndSeeksToReloadedCheckpoints() {
        var machine = Self.machine(checkpoints: [Self.p0: 5])
        machine.received([Self.message(Self.p0, 5)], now: 0)
        let owned = machine.fenced()
        #expect(owned == [Self.p0, Self.p1])
        #expect(machine.pendingCount == 0)
        let seeks = machine.reloaded([Self.p0: 50])
        #expect(seeks == [Self.p0: 50, Self.p1: 0])
        machine.received([Self.message(Self.p0, 5)], now: 1)
        #expect(machine.pendingCount == 0, "offsets before the reloaded checkpoint are not applied again")
    }

    @Test func databaseOutagePausesOnceBacksOffAndRetriesTheSameBatch() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0), Self.message(Self.p0, 1), Self.message(Self.p0, 2)], now: 0)
        guard case .flush(let batch) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        #expect(machine.flushFailed(now: 0) == .pauseAndRetry([Self.p0, Self.p1]))
        #expect(machine.nextAction(now: 50_000_000) == .waitForRetry(timeoutNanoseconds: 10_000))
        #expect(machine.nextAction(now: 100_000_000) == .flush(batch))
        #expect(machine.flushFailed(now: 100_000_000) == .retry)
        #expect(machine.nextAction(now: 250_000_000) == .waitForRetry(timeoutNanoseconds: 10_000))
        #expect(machine.nextAction(now: 300_000_000) == .flush(batch))
        #expect(machine.flushSucceeded(batch) == [Self.p0, Self.p1], "resumes what it paused")
        #expect(!machine.isPaused)
    }

    @Test func stopFlushesWhatIsPendingThenCloses() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0)], now: 0)
        machine.stop()
        guard case .flush(let batch) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        _ = machine.flushSucceeded(batch)
        #expect(machine.nextAction(now: 0) == .close)
    }

    @Test func replayClosesOnceEveryPartitionReachesItsTarget() {
        var machine = RunnerStateMachine(settings: Self.settings, stopAt: [Self.p0: 2, Self.p1: 0])
        #expect(machine.nextAction(now: 0) != .close, "nothing assigned yet")
        _ = machine.assigned([Self.p0, Self.p1], checkpoints: [:])
        machine.received([Self.message(Self.p0, 0), Self.message(Self.p0, 1)], now: 0)
        guard case .flush(let batch) = machine.nextAction(now: 10_000) else { Issue.record("expected a flush"); return }
        _ = machine.flushSucceeded(batch)
        #expect(machine.nextAction(now: 10_000) == .close)
    }

    @Test func replayNeverAppliesMessagesAtOrPastTheStopOffset() {
        var machine = RunnerStateMachine(settings: Self.settings, stopAt: [Self.p0: 2, Self.p1: 0])
        _ = machine.assigned([Self.p0, Self.p1], checkpoints: [:])
        let kept = machine.received([Self.message(Self.p0, 0), Self.message(Self.p0, 1), Self.message(Self.p0, 2),
                                     Self.message(Self.p1, 0)], now: 0)
        #expect(kept.map(\.offset) == [0, 1], "events that arrived after the replay started are the live worker's")
        guard case .flush(let batch) = machine.nextAction(now: 10_000) else { Issue.record("expected a flush"); return }
        #expect(batch.moves == [CheckpointMove(partition: Self.p0, expected: nil, next: 2)])
        _ = machine.flushSucceeded(batch)
        #expect(machine.nextAction(now: 10_000) == .close)
    }

    @Test(arguments: [(1, 100_000_000), (2, 200_000_000), (3, 400_000_000), (10, 5_000_000_000), (1_000, 5_000_000_000)] as [(Int, UInt64)])
    func backoffDoublesUpToTheCap(failures: Int, expected: UInt64) {
        #expect(Backoff().delayNanoseconds(afterFailures: failures) == expected)
    }

    @Test func theNextBatchIsReadWhileOneCommitsAndExpectsTheCheckpointsItWillLeave() {
        var machine = Self.machine(checkpoints: [Self.p0: 0])
        machine.received((0...2).map { Self.message(Self.p0, $0) }, now: 0)
        guard case .flush(let first) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        #expect(machine.nextAction(now: 0) == .poll(maxMessages: 3, timeoutNanoseconds: 10_000), "reads on while committing")
        machine.received((3...5).map { Self.message(Self.p0, $0) }, now: 1)
        #expect(machine.nextAction(now: 1) == .awaitInFlight, "one batch in flight at most")
        _ = machine.flushSucceeded(first)
        guard case .flush(let second) = machine.nextAction(now: 1) else { Issue.record("expected a flush"); return }
        #expect(second.messages.map(\.offset) == [3, 4, 5])
        #expect(second.moves == [CheckpointMove(partition: Self.p0, expected: 3, next: 6)])
    }

    @Test func aFailedInFlightBatchIsRetriedBeforeAnythingReadAfterIt() {
        var machine = Self.machine(checkpoints: [Self.p0: 0])
        machine.received((0...2).map { Self.message(Self.p0, $0) }, now: 0)
        guard case .flush(let first) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        machine.received((3...4).map { Self.message(Self.p0, $0) }, now: 1)
        _ = machine.flushFailed(now: 1)
        guard case .flush(let retried) = machine.nextAction(now: 1_000_000_000) else { Issue.record("expected a retry"); return }
        #expect(retried == first)
    }

    @Test func stopWaitsForTheInFlightBatchBeforeClosing() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0)], now: 0)
        machine.stop()
        guard case .flush(let batch) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        #expect(machine.nextAction(now: 0) == .awaitInFlight)
        _ = machine.flushSucceeded(batch)
        #expect(machine.nextAction(now: 0) == .close)
    }
}

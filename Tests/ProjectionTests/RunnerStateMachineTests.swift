import Kafka
import Projection
import Testing

@Suite struct RunnerStateMachineTests {
    static let p0 = TopicPartition(topic: "story-event", partition: 0)
    static let p1 = TopicPartition(topic: "story-event", partition: 1)
    static let settings = RunnerStateMachine.Settings(maxBatch: 3, lingerNanoseconds: 1_000, idlePollNanoseconds: 10_000,
                                                      maxBatchBytes: 1_000)

    static func message(_ partition: TopicPartition, _ offset: Int64, bytes: Int = 1) -> KafkaMessage {
        KafkaMessage(topic: partition.topic, partition: partition.partition, offset: offset,
                     key: nil, value: [UInt8](repeating: 1, count: bytes), headers: [], timestampMilliseconds: nil)
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
        #expect(machine.nextAction(now: 0) == .poll(maxMessages: 3, maxBytes: 1_000, timeoutNanoseconds: 10_000))
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
        #expect(machine.nextAction(now: 400) == .poll(maxMessages: 2, maxBytes: 999, timeoutNanoseconds: 700))
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
        machine.flushSucceeded(first)
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

    @Test func fencingDropsPendingWorkPausesAndSeeksToReloadedCheckpoints() {
        var machine = Self.machine(checkpoints: [Self.p0: 5])
        machine.received([Self.message(Self.p0, 5)], now: 0)
        machine.fenced(now: 10)
        #expect(machine.pendingCount == 0)
        #expect(machine.nextAction(now: 10) == .pause([Self.p0, Self.p1]))
        #expect(machine.nextAction(now: 10) == .loadCheckpoints([Self.p0, Self.p1]), "at once, with the version check")
        machine.received([Self.message(Self.p0, 6)], now: 10)
        #expect(machine.pendingCount == 0, "nothing is read while the position is unknown")
        #expect(machine.checkpointsLoaded([Self.p0: 50]) == [Self.p0: 50, Self.p1: 0])
        let seatedp0 = machine.seated(Self.p0)
        #expect(seatedp0, "resume it")
        let seatedp1 = machine.seated(Self.p1)
        #expect(seatedp1)
        machine.received([Self.message(Self.p0, 5)], now: 11)
        #expect(machine.pendingCount == 0, "offsets before the reloaded checkpoint are not applied again")
        machine.received([Self.message(Self.p0, 50)], now: 11)
        #expect(machine.pendingCount == 1)
    }

    @Test func checkpointsUnreadableAtAssignmentArePausedAndReadAgainAfterABackoffOutsideTheCallback() {
        var machine = RunnerStateMachine(settings: Self.settings)
        #expect(machine.assignedWithoutCheckpoints([Self.p0], now: 0) == [Self.p0: KafkaOffset.end],
                "assigned where no position can be out of range")
        #expect(machine.ownedPartitions == [Self.p0])
        #expect(machine.assignedPartitions == [])
        #expect(machine.nextAction(now: 0) == .pause([Self.p0]))
        #expect(machine.nextAction(now: 1) == .poll(maxMessages: 3, maxBytes: 1_000, timeoutNanoseconds: 10_000),
                "serves the group while it waits")
        #expect(machine.nextAction(now: 100_000_000) == .loadCheckpoints([Self.p0]))
        machine.checkpointsUnavailable(now: 100_000_000)
        #expect(machine.nextAction(now: 250_000_000) != .loadCheckpoints([Self.p0]), "backs off: 200 ms after a second failure")
        #expect(machine.nextAction(now: 300_000_000) == .loadCheckpoints([Self.p0]))
        #expect(machine.checkpointsLoaded([Self.p0: 7]) == [Self.p0: 7])
        let seatedp0 = machine.seated(Self.p0)
        #expect(seatedp0)
        #expect(machine.assignedPartitions == [Self.p0])
    }

    @Test func aTimedOutSeekIsTriedAgainAfterTheRetryDelayUnlessARevokeTakesThePartition() {
        var machine = Self.machine(checkpoints: [Self.p0: 5, Self.p1: 9])
        machine.fenced(now: 0)
        _ = machine.nextAction(now: 0)
        #expect(machine.nextAction(now: 0) == .loadCheckpoints([Self.p0, Self.p1]))
        _ = machine.checkpointsLoaded([Self.p0: 5, Self.p1: 9])
        machine.seekFailed(Self.p0, now: 0)
        machine.seekFailed(Self.p1, now: 0)
        #expect(machine.nextAction(now: 1_000) != .seek([Self.p0: 5, Self.p1: 9]))
        machine.revoked([Self.p1])
        #expect(machine.nextAction(now: 5_000_000_000) == .seek([Self.p0: 5]))
        let seatedp0 = machine.seated(Self.p0)
        #expect(seatedp0)
        #expect(machine.ownedPartitions == [Self.p0])
    }

    @Test func checkpointsAreNotReadWhileABatchIsInFlight() {
        let p2 = TopicPartition(topic: "story-event", partition: 2)
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0)], now: 0)
        guard case .flush(let batch) = machine.nextAction(now: 2_000) else { Issue.record("expected a flush"); return }
        _ = machine.assignedWithoutCheckpoints([p2], now: 2_000)
        #expect(machine.nextAction(now: 2_000) == .pause([p2]))
        #expect(machine.nextAction(now: 1_000_000_000) == .poll(maxMessages: 3, maxBytes: 1_000, timeoutNanoseconds: 10_000),
                "the committer holds the connection")
        machine.flushSucceeded(batch)
        #expect(machine.nextAction(now: 1_000_000_000) == .loadCheckpoints([p2]))
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
        machine.flushSucceeded(batch)
        #expect(!machine.isPaused)
        #expect(machine.nextAction(now: 300_000_000) == .resume([Self.p0, Self.p1]), "resumes what it paused")
    }

    @Test func stopFlushesWhatIsPendingThenCloses() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0)], now: 0)
        machine.stop()
        guard case .flush(let batch) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        machine.flushSucceeded(batch)
        #expect(machine.nextAction(now: 0) == .close)
    }

    @Test func replayClosesOnceEveryPartitionReachesItsTarget() {
        var machine = RunnerStateMachine(settings: Self.settings, stopAt: [Self.p0: 2, Self.p1: 0])
        #expect(machine.nextAction(now: 0) != .close, "nothing assigned yet")
        _ = machine.assigned([Self.p0, Self.p1], checkpoints: [:])
        machine.received([Self.message(Self.p0, 0), Self.message(Self.p0, 1)], now: 0)
        guard case .flush(let batch) = machine.nextAction(now: 10_000) else { Issue.record("expected a flush"); return }
        machine.flushSucceeded(batch)
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
        machine.flushSucceeded(batch)
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
        #expect(machine.nextAction(now: 0) == .poll(maxMessages: 3, maxBytes: 1_000, timeoutNanoseconds: 10_000),
                "reads on while committing")
        machine.received((3...5).map { Self.message(Self.p0, $0) }, now: 1)
        #expect(machine.nextAction(now: 1) == .awaitInFlight, "one batch in flight at most")
        machine.flushSucceeded(first)
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
        machine.flushSucceeded(batch)
        #expect(machine.nextAction(now: 0) == .close)
    }

    // MARK: - A pause whose batch is gone

    @Test func aFenceAfterAFailedFlushResumesReadingInsteadOfClosing() {
        var machine = Self.machine(checkpoints: [Self.p0: 0])
        machine.received((0...2).map { Self.message(Self.p0, $0) }, now: 0)
        guard case .flush(let batch) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        #expect(machine.flushFailed(now: 0) == .pauseAndRetry([Self.p0, Self.p1]))
        #expect(machine.nextAction(now: 1_000_000_000) == .flush(batch), "the retry")
        machine.fenced(now: 1_000_000_000)
        #expect(machine.nextAction(now: 1_000_000_000) == .pause([Self.p0, Self.p1]))
        #expect(machine.nextAction(now: 1_000_000_000) == .loadCheckpoints([Self.p0, Self.p1]))
        #expect(machine.checkpointsLoaded([Self.p0: 3]) == [Self.p0: 3, Self.p1: 0])
        let seatedp0 = machine.seated(Self.p0)
        #expect(!seatedp0, "not resumed by the seek while the machine is paused")
        let seatedp1 = machine.seated(Self.p1)
        #expect(!seatedp1)
        #expect(machine.nextAction(now: 1_000_000_001) == .resume([Self.p0, Self.p1]))
        #expect(!machine.isPaused)
        #expect(machine.nextAction(now: 1_000_000_002) == .poll(maxMessages: 3, maxBytes: 1_000, timeoutNanoseconds: 10_000))
    }

    @Test func aRevokeOfEverythingWaitingDuringAnOutageResumesWhatIsLeft() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0)], now: 0)
        guard case .flush = machine.nextAction(now: 2_000) else { Issue.record("expected a flush"); return }
        #expect(machine.flushFailed(now: 2_000) == .pauseAndRetry([Self.p0, Self.p1]))
        machine.revoked([Self.p0])
        #expect(machine.nextAction(now: 1_000_000_000) == .resume([Self.p1]), "not .close: the worker keeps serving p1")
        #expect(machine.nextAction(now: 1_000_000_001) == .poll(maxMessages: 3, maxBytes: 1_000, timeoutNanoseconds: 10_000))
    }

    @Test func stoppingWhilePausedWithNothingLeftCloses() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0)], now: 0)
        guard case .flush = machine.nextAction(now: 2_000) else { Issue.record("expected a flush"); return }
        _ = machine.flushFailed(now: 2_000)
        machine.fenced(now: 2_000)
        machine.stop()
        #expect(machine.nextAction(now: 1_000_000_000) == .pause([Self.p0, Self.p1]))
        #expect(machine.nextAction(now: 1_000_000_000) == .close)
    }

    // MARK: - Bytes

    @Test func aBatchClosesAtTheByteLimitWithAtLeastOneMessage() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0, bytes: 600), Self.message(Self.p0, 1, bytes: 600)], now: 0)
        guard case .flush(let first) = machine.nextAction(now: 0) else { Issue.record("flush at 1,200 of 1,000 bytes"); return }
        #expect(first.messages.map(\.offset) == [0], "the second would pass the limit")
        #expect(first.byteCount == 600)
        #expect(first.moves == [CheckpointMove(partition: Self.p0, expected: nil, next: 1)])
        machine.flushSucceeded(first)
        #expect(machine.pendingByteCount == 600)

        var huge = Self.machine()
        huge.received([Self.message(Self.p0, 0, bytes: 5_000)], now: 0)
        guard case .flush(let alone) = huge.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        #expect(alone.messages.count == 1, "a message over the limit still goes, alone")
    }

    @Test func readingAheadStopsWhileTheWaitingBytesFillABatch() {
        var machine = Self.machine()
        machine.received([Self.message(Self.p0, 0, bytes: 400)], now: 0)
        #expect(machine.nextAction(now: 0) == .poll(maxMessages: 2, maxBytes: 600, timeoutNanoseconds: 1_000),
                "asks only for the bytes the batch has room for")
        machine.received([Self.message(Self.p0, 1, bytes: 700)], now: 0)
        guard case .flush(let first) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        #expect(first.messages.map(\.offset) == [0])
        #expect(machine.nextAction(now: 0) == .poll(maxMessages: 2, maxBytes: 300, timeoutNanoseconds: 1_000),
                "reads on while committing, for the room left")
        machine.received([Self.message(Self.p0, 2, bytes: 400)], now: 0)
        #expect(machine.nextAction(now: 0) == .awaitInFlight, "1,100 bytes wait: no more reading until the commit")
        machine.flushSucceeded(first)
        guard case .flush(let second) = machine.nextAction(now: 0) else { Issue.record("expected a flush"); return }
        #expect(second.messages.map(\.offset) == [1])
    }
}

import Foundation
import Kafka
import Logging

/// A `KafkaConsumer` running a poll loop on its own thread, recording what it sees, for tests.
// @unchecked Sendable: the consumer lives only on `thread`; every other stored value is guarded by `lock`.
public final class TestConsumer: @unchecked Sendable {
    /// What the consumer has seen so far.
    public struct State: Sendable {
        /// Messages in the order `poll` returned them.
        public var messages: [KafkaMessage] = []
        /// Current assignment as seen by the rebalance callbacks.
        public var assigned: Set<TopicPartition> = []
        /// Number of assign callbacks.
        public var assignCount = 0
        /// Number of revoke callbacks.
        public var revokeCount = 0
        /// Error that stopped the poll loop, if any.
        public var failure: String?
        /// Completed `poll` calls (lets a test wait for "polled a while and got nothing").
        public var pollCount = 0
        /// Whether the consumer has been closed.
        public var closed = false
    }

    private let lock = NSLock()
    private var state = State()
    private var commands: [(KafkaConsumer) -> Void] = []
    private var stopRequested = false

    /// Starts a consumer in `groupID` on `topics`; `startOffsets` plays the checkpoint store (missing → beginning).
    public init(
        config: KafkaConfig, groupID: String, topics: [String],
        startOffsets: [TopicPartition: Int64] = [:],
        logger: Logger = Logger(label: "test.consumer")
    ) {
        let thread = Thread { [self] in run(config: config, groupID: groupID, topics: topics, startOffsets: startOffsets, logger: logger) }
        thread.name = "test-consumer-\(groupID)"
        thread.start()
    }

    /// A copy of the current state.
    public var snapshot: State { lock.withLock { state } }

    /// Waits until `condition` holds on the state, or throws after `timeout`.
    @discardableResult
    public func waitUntil(
        timeout: Duration = .seconds(20), _ what: String = "condition",
        _ condition: @Sendable (State) -> Bool
    ) async throws -> State {
        let deadline = ContinuousClock.now + timeout
        while true {
            let current = snapshot
            if condition(current) { return current }
            if let failure = current.failure { throw TestConsumerError(message: "consumer failed while waiting for \(what): \(failure)") }
            if ContinuousClock.now >= deadline {
                throw TestConsumerError(message: "timed out after \(timeout) waiting for \(what); state: \(current.messages.count) messages, assigned \(current.assigned.sorted())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Runs `body` with the consumer on its thread between two polls and returns its result.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (KafkaConsumer) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = lock.withLock { () -> Bool in
                guard !state.closed, !stopRequested else { return false }
                commands.append { consumer in continuation.resume(with: Result { try body(consumer) }) }
                return true
            }
            if !accepted { continuation.resume(throwing: TestConsumerError(message: "consumer already closed")) }
        }
    }

    /// Closes the consumer (leaving the group) and waits for its thread to finish.
    public func close() async throws {
        lock.withLock { stopRequested = true }
        try await waitUntil(timeout: .seconds(20), "close") { $0.closed }
    }

    private func run(config: KafkaConfig, groupID: String, topics: [String], startOffsets: [TopicPartition: Int64], logger: Logger) {
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(
                config: config, groupID: groupID, topics: topics,
                onAssign: { [self] partitions in
                    lock.withLock {
                        state.assigned.formUnion(partitions)
                        state.assignCount += 1
                    }
                    return startOffsets.filter { partitions.contains($0.key) }
                },
                onRevoke: { [self] partitions in
                    lock.withLock {
                        state.assigned.subtract(partitions)
                        state.revokeCount += 1
                    }
                },
                logger: logger
            )
        } catch {
            lock.withLock { state.failure = "\(error)"; state.closed = true }
            return
        }
        while true {
            let (pending, stop) = lock.withLock { () -> ([(KafkaConsumer) -> Void], Bool) in
                defer { commands = [] }
                return (commands, stopRequested)
            }
            for command in pending { command(consumer) }
            if stop { break }
            do {
                let batch = try consumer.poll(maxMessages: 100, timeoutMilliseconds: 20)
                lock.withLock {
                    state.messages.append(contentsOf: batch)
                    state.pollCount += 1
                }
            } catch {
                lock.withLock { state.failure = "\(error)" }
                break
            }
        }
        consumer.close()
        let orphaned = lock.withLock { () -> [(KafkaConsumer) -> Void] in
            state.closed = true
            defer { commands = [] }
            return commands
        }
        for command in orphaned { command(consumer) }
    }
}

/// A failed wait or command of a `TestConsumer`.
public struct TestConsumerError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

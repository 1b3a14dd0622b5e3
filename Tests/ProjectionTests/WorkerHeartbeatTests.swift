import Foundation
import Kafka
import Logging
import Postgres
@testable import Projection
import Synchronization
import Testing
import TestSupport

/// The heartbeat's I/O: its row in annals.workers, and that a database it cannot reach never ends or breaks it.
@Suite("Worker heartbeat", .timeLimit(.minutes(3)))
struct WorkerHeartbeatTests {
    private let p0 = TopicPartition(topic: "story-event", partition: 0)
    private let p1 = TopicPartition(topic: "story-event", partition: 1)

    @Test func theRowNamesTheWorkerItsPartitionsAndWhatItCommittedAndGoesWhenTheHeartbeatStops() async throws {
        let database = try await onOwnThread { try TestDatabase.create(prefix: "heartbeat") }
        defer { try? database.drop() }
        try await onOwnThread {
            let connection = try database.connect()
            for statement in RuntimeSchema.statements { try connection.execute(statement) }
        }
        let health = RunnerHealth()
        health.update { $0.assign([p1, p0]) }
        let identity = WorkerIdentity.current(projection: "story", group: "annals-story", httpEndpoint: "http://box:9464")
        let heartbeat = WorkerHeartbeat(identity: identity, databaseURL: database.url, health: health,
                                        interval: .milliseconds(200), logger: Logger(label: "test.heartbeat"))
        let running = Task { await heartbeat.run() }

        let messages = (0..<50).map { KafkaMessage(topic: "story-event", partition: 0, offset: Int64($0), key: nil, value: nil) }
        health.update { $0.countCommitted(messages) }
        var seen: WorkerRecord?
        try await waitUntil(timeout: .seconds(60), description: "a heartbeat counting the 50 committed events") {
            seen = try await onOwnThread { try WorkerStore().all(connection: try database.connect()) }.first
            return seen?.partitions.first?.eventsInWindow == 50
        }
        let record = try #require(seen)
        #expect(record.identity.id == identity.id)
        #expect(record.identity.host == identity.host && record.identity.pid == identity.pid)
        #expect(record.identity.group == "annals-story" && record.identity.httpEndpoint == "http://box:9464")
        #expect(abs(record.identity.startedAt.timeIntervalSince(identity.startedAt)) < 0.001)
        #expect(record.intervalSeconds == 0.2)
        #expect(record.isLive)
        #expect(record.partitions.map(\.topicPartition) == [p0, p1])
        #expect(record.partitions[0].eventsPerSecond > 0)
        #expect(record.partitions[1].eventsInWindow == 0 && record.partitions[1].eventsPerSecond == 0)

        running.cancel()
        await running.value
        let left = try await onOwnThread { try WorkerStore().all(connection: try database.connect()) }
        #expect(left.isEmpty, "stopping deletes the row")
    }

    @Test func aDatabaseItCannotReachIsRetriedEveryBeatWithOneWarningAndNeverEndsTheHeartbeat() async throws {
        let log = LogRecorder()
        let port = try LocalHTTP.freePort()  // nothing listens there
        let heartbeat = WorkerHeartbeat(
            identity: .current(projection: "story", group: "annals-story", httpEndpoint: nil),
            databaseURL: "postgresql://postgres@127.0.0.1:\(port)/none?connect_timeout=2", health: RunnerHealth(),
            interval: .milliseconds(100), logger: log.logger)
        let running = Task { await heartbeat.run() }
        try await waitUntil(timeout: .seconds(60), description: "three failed beats") {
            log.messages.filter { $0.contains("heartbeat still not written") }.count >= 3
        }
        // Still beating (three failures in), having warned once.
        #expect(log.messages.filter { $0.contains("cannot write the heartbeat") }.count == 1)

        running.cancel()
        await running.value
        #expect(log.messages.last?.contains("cannot delete the heartbeat") == true, "\(log.messages.suffix(3))")
    }
}

/// Keeps every message logged through `logger`, at every level.
private final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var messages: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "test.heartbeat") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.append("\(event.level) \(event.message)")
        }
    }
}

import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 5: `annals status` shows, per partition, lag in events and seconds, throughput, dead letters and the worker
/// owning it; `--json`; `--watch`.
@Suite("annals status", .timeLimit(.minutes(5)))
struct StatusCommandTests {
    /// A row of `annals status --json` (the fields these tests read); decoding it also pins their names.
    struct Row: Decodable {
        var projection: String
        var topic: String
        var partition: Int32
        var checkpoint: Int64?
        var highWatermark: Int64
        var lag: Int64
        var lagSeconds: Double?
        var lagSecondsUnknown: String?
        var eventsPerSecond: Double?
        var deadLetters: Int
        var owner: WorkerReference?
        var lastSeenOwner: WorkerReference?
    }

    struct WorkerReference: Decodable {
        var workerID: String
        var host: String
        var pid: Int
        var group: String
        var heartbeatAgeSeconds: Double
    }

    /// A line of `annals status --json --watch` on a pipe.
    struct Snapshot: Decodable {
        var generatedAt: String
        var partitions: [Row]
    }

    @Test func theRunningWorkerOwnsItsPartitionsWithThroughputAndNoneOnceItStopsCleanly() async throws {
        let stack = try StoryStack(name: "status_owner")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 40, prefix: "status-owner")
        try await generator.publish(0..<1_000, with: stack.producer)
        let group = TestKafkaCluster.uniqueGroupID("status-owner")
        let worker = try stack.startWorker(group: group, batchSize: 200, extraArguments: ["--heartbeat-seconds", "1"])
        defer { _ = try? worker.kill(SIGKILL) }

        // A stream: a trickle of events keeps arriving while status is asked.
        let trickle = Task {
            var next = 1_000
            while !Task.isCancelled {
                try await generator.publish(next..<next + 20, with: stack.producer)
                next += 20
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        var last: [Row] = []
        do {
            try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(500),
                                description: "status to show worker \(worker.pid) owning 4 partitions with throughput") {
                if let exit = worker.status() { throw TestSupportFailure("worker \(exit) early: \(worker.logTail())") }
                let story = try await status(stack, projection: "story")
                last = story
                // Every partition has events: 40 worlds cover the 4.
                return story.count == 4 && story.allSatisfy { $0.owner?.pid == Int(worker.pid) && ($0.eventsPerSecond ?? 0) > 0 }
            }
        } catch {
            trickle.cancel()
            Issue.record("last status: \(last)")
            throw error
        }
        trickle.cancel()
        _ = await trickle.result
        #expect(last.allSatisfy { $0.owner?.group == group && $0.lastSeenOwner == nil })
        #expect(Set(last.compactMap { $0.owner?.workerID }).count == 1, "one worker owns them all")
        #expect(last.allSatisfy { ($0.owner?.heartbeatAgeSeconds ?? .infinity) < 10 })

        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(60)) == .exited(0), "\(worker.logTail())")
        // A clean stop deletes the heartbeat: no owner, not even a stale one.
        let after = try await status(stack, projection: "story")
        #expect(after.count == 4)
        #expect(after.allSatisfy { $0.owner == nil && $0.lastSeenOwner == nil && $0.eventsPerSecond == nil }, "\(after)")
    }

    @Test func eventsPublishedWhileNoWorkerRunsAreTheLagInEventsAndTheirAgeTheLagInSeconds() async throws {
        let stack = try StoryStack(name: "status_lag")
        defer { stack.tearDown() }
        let generator = StoryEventGenerator(worlds: 40, prefix: "status-lag")
        try await generator.publish(0..<600, with: stack.producer)
        let worker = try stack.startWorker(group: TestKafkaCluster.uniqueGroupID("status-lag"), batchSize: 200,
                                           extraArguments: ["--heartbeat-seconds", "1"])
        defer { _ = try? worker.kill(SIGKILL) }
        try await stack.waitForCheckpoints(total: 600, workers: [worker])
        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(60)) == .exited(0), "\(worker.logTail())")

        let caughtUp = try await status(stack, projection: "story")
        #expect(caughtUp.allSatisfy { $0.lag == 0 && $0.lagSeconds == 0 }, "\(caughtUp)")

        // Published an hour "ago" (their Kafka timestamps say so), one millisecond apart, while no worker runs.
        let hourAgo = Int64(Date().timeIntervalSince1970 * 1_000) - 3_600_000
        var records: [KafkaRecord] = []
        for index in 600..<900 {
            var record = try generator.record(index)
            record.timestampMilliseconds = hourAgo + Int64(index - 600)
            records.append(record)
        }
        var published: [Int32: Int64] = [:]
        var oldest: [Int32: Int64] = [:]
        for (record, result) in zip(records, await stack.producer.sendAll(records)) {
            let report = try result.get()
            published[report.partition, default: 0] += 1
            oldest[report.partition] = min(oldest[report.partition] ?? .max, record.timestampMilliseconds ?? .max)
        }

        let asked = Date()
        let story = try await status(stack, projection: "story")
        let answered = Date()
        #expect(story.map(\.lag).reduce(0, +) == 300)
        for partition in story {
            #expect(partition.lag == published[partition.partition] ?? 0, "partition \(partition.partition)")
            #expect(partition.owner == nil)
            guard let timestamp = oldest[partition.partition] else {
                #expect(partition.lagSeconds == 0, "nothing published to partition \(partition.partition)")
                continue
            }
            // The age of its oldest unapplied event, taken between asking and answering.
            let atLeast = asked.timeIntervalSince1970 - Double(timestamp) / 1_000
            let atMost = answered.timeIntervalSince1970 - Double(timestamp) / 1_000
            let seconds = try #require(partition.lagSeconds, "\(partition.lagSecondsUnknown ?? "no lag-time")")
            #expect(seconds >= atLeast - 0.001 && seconds <= atMost + 0.001, "partition \(partition.partition): \(seconds) s")
            #expect(seconds >= 3_600)
        }
    }

    @Test func watchingAPipePrintsATimestampedBlockPerRefreshAndCtrlCExitsZero() async throws {
        let stack = try StoryStack(name: "status_watch")
        defer { stack.tearDown() }
        let watcher = try ChildProcess.annals(
            "annals", arguments: ["status", "--watch", "--interval", "0.5"] + connection(stack), separateStandardError: true)
        defer { _ = try? watcher.kill(SIGKILL) }
        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(100), description: "two refreshes") {
            if let exit = watcher.status() { throw TestSupportFailure("status \(exit): \(watcher.errorLog())") }
            return watcher.log().components(separatedBy: "--- annals status ").count - 1 >= 2
        }
        try watcher.kill(SIGINT)
        #expect(try await watcher.waitForExit(timeout: .seconds(30)) == .exited(0))
        let blocks = watcher.log().components(separatedBy: "--- annals status ").dropFirst()
        for block in blocks.prefix(2) {
            #expect(block.hasPrefix("20"), "a timestamp: \(block.prefix(30))")
            #expect(block.contains("story (code version"))
            #expect(block.contains("story-event/3"))
        }
        #expect(!watcher.log().contains("\u{1B}"), "no terminal escapes on a pipe")
    }

    @Test func watchingWithJSONPrintsOneDocumentPerLineAndCtrlCExitsZero() async throws {
        let stack = try StoryStack(name: "status_watch_json")
        defer { stack.tearDown() }
        let watcher = try ChildProcess.annals(
            "annals", arguments: ["status", "--json", "--watch", "--interval", "0.5"] + connection(stack),
            separateStandardError: true)
        defer { _ = try? watcher.kill(SIGKILL) }
        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(100), description: "two JSON lines") {
            if let exit = watcher.status() { throw TestSupportFailure("status \(exit): \(watcher.errorLog())") }
            return watcher.log().split(separator: "\n").count >= 2
        }
        try watcher.kill(SIGINT)
        #expect(try await watcher.waitForExit(timeout: .seconds(30)) == .exited(0))
        let lines = watcher.log().split(separator: "\n")
        for line in lines.prefix(2) {
            let snapshot = try JSONDecoder().decode(Snapshot.self, from: Data(line.utf8))
            #expect(snapshot.generatedAt.hasPrefix("20"))
            #expect(snapshot.partitions.filter { $0.projection == "story" }.count == 4)
        }
    }

    // MARK: - Running `annals status`

    private func connection(_ stack: StoryStack) -> [String] {
        ["--brokers", stack.kafka.bootstrapServers, "--database-url", stack.database.url]
    }

    /// The rows of `projection` in `annals status --json`; fails with its stderr when it does not exit 0.
    private func status(_ stack: StoryStack, projection: String) async throws -> [Row] {
        let process = try ChildProcess.annals("annals", arguments: ["status", "--json"] + connection(stack), separateStandardError: true)
        let exit = try await process.waitForExit(timeout: .seconds(90))
        guard exit == .exited(0) else { throw TestSupportFailure("annals status \(exit): \(process.errorLog())") }
        do {
            return try JSONDecoder().decode([Row].self, from: Data(process.log().utf8)).filter { $0.projection == projection }
        } catch {
            throw TestSupportFailure("annals status --json printed what is not a report (\(error)):\n\(process.log())")
        }
    }
}

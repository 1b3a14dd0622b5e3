@testable import AnnalsCLI
import Foundation
import Kafka
import Projection
import Testing

/// `annals status` without I/O: joining checkpoints, watermarks, timestamps and heartbeats, and printing the result.
@Suite struct StatusReportTests {
    static let p0 = TopicPartition(topic: "story-event", partition: 0)
    static let p1 = TopicPartition(topic: "story-event", partition: 1)
    static let p2 = TopicPartition(topic: "story-event", partition: 2)
    static let now: Int64 = 1_800_000_000_000

    static func worker(_ id: String, pid: Int, projection: String = "story", age: Double, interval: Double = 5,
                       partitions: [(TopicPartition, Double)]) -> WorkerRecord {
        WorkerRecord(
            identity: WorkerIdentity(id: id, projection: projection, group: "annals-\(projection)", host: "box", pid: pid,
                                     httpEndpoint: pid == 11 ? "http://box:9464" : nil,
                                     startedAt: Date(timeIntervalSince1970: 1_799_999_000)),
            intervalSeconds: interval,
            partitions: partitions.map { partition, rate in
                WorkerPartitionActivity(topic: partition.topic, partition: partition.partition, eventsPerSecond: rate,
                                        eventsInWindow: Int64(rate * 30), windowSeconds: 30)
            },
            heartbeatAgeSeconds: age)
    }

    static func story(workers: [WorkerRecord], oldest: [TopicPartition: OldestUnapplied] = [:]) -> ProjectionStatus {
        ProjectionStatus.assemble(
            name: "story", codeVersion: 2, tablesVersion: 2,
            watermarks: [p0: (0, 1_250), p1: (0, 900), p2: (100, 400)],
            checkpoints: [p0: 1_200, p1: 900], deadLetters: [p1: 3], workers: workers,
            oldestUnapplied: oldest, nowMilliseconds: now)
    }

    @Test func lagCountsFromTheCheckpointOrTheStartOfTheLogAndItsAgeFromTheOldestUnappliedTimestamp() {
        let status = Self.story(workers: [], oldest: [Self.p0: .timestamp(Self.now - 42_500), Self.p2: .unknown("offset 100 not read within 5 s")])
        let byPartition = Dictionary(uniqueKeysWithValues: status.partitions.map { ($0.partition, $0) })
        #expect(byPartition[0]?.lag == 50)
        #expect(byPartition[0]?.lagSeconds == 42.5)
        #expect(byPartition[1]?.lag == 0)
        #expect(byPartition[1]?.lagSeconds == 0, "caught up: no age, whatever was read")
        #expect(byPartition[1]?.deadLetters == 3)
        #expect(byPartition[2]?.checkpoint == nil)
        #expect(byPartition[2]?.lag == 300, "never committed: from the low watermark")
        #expect(byPartition[2]?.lagSeconds == nil)
        #expect(byPartition[2]?.lagSecondsUnknown == "offset 100 not read within 5 s")
        #expect(ProjectionStatus.nextUnapplied(checkpoint: nil, lowWatermark: 100) == 100)
        #expect(ProjectionStatus.nextUnapplied(checkpoint: 7, lowWatermark: 0) == 7)
    }

    @Test func aTimestampFromTheFutureIsAgeZero() {
        let status = Self.story(workers: [], oldest: [Self.p0: .timestamp(Self.now + 5_000), Self.p2: .timestamp(Self.now)])
        #expect(status.partitions.map(\.lagSeconds) == [0, 0, 0])
    }

    @Test func theFreshestLiveClaimOwnsAPartitionAndGivesItsThroughputStaleClaimsAreOnlyLastSeen() {
        let workers = [
            Self.worker("a", pid: 11, age: 1, partitions: [(Self.p0, 120.5), (Self.p1, 0)]),
            Self.worker("b", pid: 12, age: 3, partitions: [(Self.p0, 7)]),
            Self.worker("dead", pid: 13, age: 200, partitions: [(Self.p2, 50)]),
            Self.worker("other", pid: 14, projection: "metrics", age: 1, partitions: [(Self.p2, 9)]),
        ]
        let status = Self.story(workers: workers)
        let p0 = status.partitions[0], p1 = status.partitions[1], p2 = status.partitions[2]
        #expect(p0.owner?.workerID == "a")
        #expect(p0.eventsPerSecond == 120.5)
        #expect(p0.otherClaimants?.map(\.workerID) == ["b"])
        #expect(p1.owner?.workerID == "a")
        #expect(p1.eventsPerSecond == 0)
        #expect(p1.otherClaimants == nil)
        #expect(p2.owner == nil, "a stale heartbeat owns nothing, and another projection's worker is not this one's")
        #expect(p2.eventsPerSecond == nil)
        #expect(p2.lastSeenOwner?.workerID == "dead")
        #expect(status.workers.map(\.workerID) == ["a", "b", "dead"])
        #expect(status.workers.map(\.live) == [true, true, false])
    }

    @Test func theTableShowsEveryColumnAlignedWithOwnersNotesAndWorkers() {
        let workers = [
            Self.worker("a", pid: 11, age: 1.2, partitions: [(Self.p0, 120.4), (Self.p1, 0)]),
            Self.worker("dead", pid: 13, age: 200, partitions: [(Self.p2, 50)]),
        ]
        var story = Self.story(workers: workers, oldest: [Self.p0: .timestamp(Self.now - 3_200), Self.p2: .unknown("offset 100 not read within 5 s")])
        story.replay = ReplayStatus(shadowSchema: "story_shadow", applied: 1_000, total: 2_550, swaps: true, until: nil)
        let broken = ProjectionStatus(name: "metrics", codeVersion: 1, tablesVersion: nil,
                                      problem: "topic metric-sample does not exist: run `annals topics apply`", partitions: [], workers: [])
        let text = StatusTable.render(StatusReport(generatedAt: Date(timeIntervalSince1970: 0), projections: [story, broken]))
        #expect(text == """
            story (code version 2, tables version 2)
              topic/partition  checkpoint  high-watermark  lag  lag-time  events/s  dead-letters  worker
              story-event/0          1200            1250   50      3.2s       120             0  box:11
              story-event/1           900             900    0        0s         0             3  box:11
              story-event/2             -             400  300         ?         -             0  none (last seen box:13 3m20s ago)
              lag-time of story-event/2 unknown: offset 100 not read within 5 s
              replay into story_shadow: 1000 of 2550 events (swapped in when built); if it is not running, `annals replay story --resume` or `--abandon`
              workers: box:11 (group annals-story, 2 partitions, http://box:9464, heartbeat 1.2s ago)
                       box:13 gone (last heartbeat 3m20s ago)

            metrics (code version 1, not migrated)
              topic metric-sample does not exist: run `annals topics apply`
              workers: none running

            """)
    }

    @Test(arguments: [
        (0.0, "0s"), (-1.0, "0s"), (0.04, "0s"), (0.4, "0.4s"), (3.24, "3.2s"), (3.25, "3.3s"), (9.96, "10s"), (42.4, "42s"),
        (59.6, "1m00s"), (245.0, "4m05s"), (11_520.0, "3h12m"), (187_200.0, "2d04h"), (Double.infinity, "0s"),
    ])
    func durationsReadAtAGlance(seconds: Double, text: String) {
        #expect(StatusTable.duration(seconds) == text)
    }

    @Test(arguments: [(0.0, "0"), (0.04, "0.0"), (0.44, "0.4"), (9.5, "9.5"), (120.4, "120"), (48_213.0, "48213")])
    func ratesKeepOneDecimalOnlyWhenSmall(perSecond: Double, text: String) {
        #expect(StatusTable.rate(perSecond) == text)
    }

    @Test func theJSONIsAnArrayOfPartitionRowsNamingEveryFieldAndLeavingOutAnOwnerThatIsNotThere() throws {
        let report = StatusReport(generatedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                  projections: [Self.story(workers: [Self.worker("a", pid: 11, age: 1, partitions: [(Self.p0, 4)])])])
        let text = try StatusOutput.json(report)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(Set(rows[0].keys) == ["projection", "topic", "partition", "checkpoint", "highWatermark", "lag", "lagSecondsUnknown",
                                      "eventsPerSecond", "deadLetters", "owner"])
        #expect(rows[0]["projection"] as? String == "story")
        let owner = try #require(rows[0]["owner"] as? [String: Any])
        #expect(Set(owner.keys) == ["workerID", "host", "pid", "group", "httpEndpoint", "heartbeatAgeSeconds"])
        #expect(owner["workerID"] as? String == "a")
        #expect(rows[1]["owner"] == nil)
        #expect(rows[1]["lagSeconds"] as? Double == 0)
        #expect(try JSONDecoder().decode([PartitionStatus].self, from: Data(text.utf8)) == report.partitions)
    }

    @Test func watchingWithJSONPrintsOneTimestampedObjectPerLine() throws {
        let report = StatusReport(generatedAt: Date(timeIntervalSince1970: 1_800_000_000), projections: [Self.story(workers: [])])
        let line = try StatusOutput.jsonLine(report)
        #expect(line.hasSuffix("}\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["generatedAt"] as? String == "2027-01-15T08:00:00Z")
        #expect((object["partitions"] as? [[String: Any]])?.count == 3)
    }

    @Test func watchPrintsTimestampedBlocksElsewhereAndRedrawsInPlaceOnATerminal() {
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(StatusOutput.block("a\nb\n", at: date) == "--- annals status 2027-01-15T08:00:00Z ---\na\nb\n\n")
        #expect(StatusOutput.redraw("a\nb\n", at: date, intervalSeconds: 2)
            == "\u{1B}[Hannals status 2027-01-15T08:00:00Z, every 2s; Ctrl-C to stop\u{1B}[K\n\u{1B}[K\na\u{1B}[K\nb\u{1B}[K\u{1B}[J")
    }

    @Test func aRedrawTallerOrWiderThanTheTerminalIsCutToFitSayingWhatIsHidden() {
        let text = (1...10).map { "line \($0) " + String(repeating: "x", count: 30) }.joined(separator: "\n") + "\n"
        let screen = StatusOutput.redraw(text, at: Date(timeIntervalSince1970: 0), intervalSeconds: 1, rows: 6, columns: 20)
        let lines = screen.dropFirst(3).dropLast(3).components(separatedBy: "\u{1B}[K\n")
        #expect(lines.count == 6)
        #expect(lines[2] == "line 1 xxxxxxxxxxxxx")
        #expect(lines[4] == "line 3 xxxxxxxxxxxxx")
        #expect(lines[5] == "… 7 more lines: enla\u{1B}[K")
    }
}

/// Record timestamps are the producer's to set (issue 13): the lag's age must not overflow, however odd they are.
@Suite struct StatusLimitTests {
    @Test(arguments: [Int64.min, .min + 1, .max, -1])
    func oddRecordTimestampsGiveALagWithoutTrapping(timestamp: Int64) {
        let partition = TopicPartition(topic: "story-event", partition: 0)
        let status = ProjectionStatus.assemble(
            name: "story", codeVersion: 1, tablesVersion: 1, watermarks: [partition: (low: 0, high: 10)],
            checkpoints: [partition: 4], deadLetters: [:], workers: [], oldestUnapplied: [partition: .timestamp(timestamp)],
            nowMilliseconds: StatusReportTests.now)
        let lag = status.partitions.first?.lagSeconds ?? -1
        #expect(lag >= 0 && lag.isFinite)
        #expect(!StatusTable.render(status).isEmpty)
    }

    @Test func hugeDurationsPrintWithoutTrapping() {
        #expect(StatusTable.duration(9.3e18).hasSuffix("h"))
        #expect(StatusTable.duration(1e300).hasSuffix("h"))
        #expect(StatusTable.duration(4_000) == "1h06m")
    }
}

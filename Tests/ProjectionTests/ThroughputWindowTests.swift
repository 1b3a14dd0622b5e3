import Foundation
import Kafka
import Projection
import Testing

/// The pure side of the worker heartbeat: rates from sampled running totals, and when a heartbeat is stale.
@Suite("Throughput window")
struct ThroughputWindowTests {
    private let second: UInt64 = 1_000_000_000
    private let p0 = TopicPartition(topic: "story-event", partition: 0)
    private let p1 = TopicPartition(topic: "story-event", partition: 1)

    @Test func ratesCountFromTheStartWithEveryTotalAtZero() {
        var window = ThroughputWindow(windowNanoseconds: 30 * second, start: 100 * second)
        window.record([p0: 100, p1: 30], at: 102 * second)
        #expect(window.rates[p0] == .init(events: 100, seconds: 2))
        #expect(window.rates[p0]?.perSecond == 50)
        #expect(window.rates[p1]?.perSecond == 15)
        #expect(window.spanSeconds == 2)
    }

    struct Slide: CustomTestStringConvertible, Sendable {
        var samples: [(second: UInt64, total: Int64)]
        var events: Int64
        var seconds: Double
        var testDescription: String { samples.map { "\($0.second)s:\($0.total)" }.joined(separator: " ") }
    }

    /// Window of 10 s from a start at 0 s; the baseline is the newest sample at least a window old.
    @Test(arguments: [
        Slide(samples: [(5, 50)], events: 50, seconds: 5),
        Slide(samples: [(5, 50), (10, 100)], events: 100, seconds: 10),
        Slide(samples: [(5, 50), (10, 100), (15, 100)], events: 50, seconds: 10),
        Slide(samples: [(5, 50), (10, 100), (15, 100), (20, 100)], events: 0, seconds: 10),
        Slide(samples: [(5, 50), (10, 100), (15, 100), (20, 100), (25, 160)], events: 60, seconds: 10),
        Slide(samples: [(4, 40), (8, 80), (14, 80)], events: 40, seconds: 10),
        Slide(samples: [(30, 300)], events: 300, seconds: 30),
    ])
    func theWindowSlidesForwardAndForgetsOldBursts(_ slide: Slide) {
        var window = ThroughputWindow(windowNanoseconds: 10 * second, start: 0)
        for sample in slide.samples { window.record([p0: sample.total], at: sample.second * second) }
        #expect(window.rates[p0] == .init(events: slide.events, seconds: slide.seconds))
    }

    @Test func aPartitionFirstSeenMidWindowCountsFromZeroAndAnEmptySpanIsZeroPerSecond() {
        var window = ThroughputWindow(windowNanoseconds: 10 * second, start: 0)
        window.record([p0: 10], at: 5 * second)
        window.record([p0: 20, p1: 7], at: 7 * second)
        #expect(window.rates[p1] == .init(events: 7, seconds: 7))
        #expect(ThroughputWindow.Rate(events: 5, seconds: 0).perSecond == 0)
    }

    @Test func anOlderSampleIsIgnoredAndFallingTotalsNeverGiveANegativeRate() {
        var window = ThroughputWindow(windowNanoseconds: 10 * second, start: 0)
        window.record([p0: 10], at: 5 * second)
        window.record([p0: 99], at: 4 * second)
        #expect(window.rates[p0] == .init(events: 10, seconds: 5))
        var falling = ThroughputWindow(windowNanoseconds: 2 * second, start: 0)
        falling.record([p0: 10], at: 3 * second)
        falling.record([p0: 4], at: 6 * second)
        #expect(falling.rates[p0]?.events == 0)
    }

    @Test func everyAssignedPartitionIsReportedWithZeroWhenItCommittedNothing() {
        var window = ThroughputWindow(windowNanoseconds: 30 * second, start: 0)
        window.record([p0: 40], at: 4 * second)
        let activity = WorkerPartitionActivity.of([p1, p0], over: window)
        #expect(activity == [
            WorkerPartitionActivity(topic: "story-event", partition: 0, eventsPerSecond: 10, eventsInWindow: 40, windowSeconds: 4),
            WorkerPartitionActivity(topic: "story-event", partition: 1, eventsPerSecond: 0, eventsInWindow: 0, windowSeconds: 4),
        ])
    }

    @Test(arguments: [
        (interval: 5.0, age: 14.9, live: true), (interval: 5.0, age: 15.1, live: false),
        (interval: 1.0, age: 9.9, live: true), (interval: 1.0, age: 10.1, live: false),
        (interval: 60.0, age: 179.0, live: true), (interval: 60.0, age: 181.0, live: false),
    ])
    func aWorkerSilentForThreeHeartbeatsAndAtLeastTenSecondsIsGone(interval: Double, age: Double, live: Bool) {
        let identity = WorkerIdentity(id: "w", projection: "story", group: "g", host: "h", pid: 1, httpEndpoint: nil,
                                      startedAt: Date(timeIntervalSince1970: 0))
        #expect(WorkerRecord(identity: identity, intervalSeconds: interval, partitions: [], heartbeatAgeSeconds: age).isLive == live)
    }

    @Test func theRunnerHealthCountsCommittedMessagesPerPartitionAndKeepsTheAssignmentSorted() {
        var snapshot = RunnerHealth.Snapshot()
        snapshot.assign([p1, p0])
        #expect(snapshot.partitions == [p0, p1])
        #expect(snapshot.assignedPartitions == 2)
        let message = { (partition: Int32, offset: Int64) in
            KafkaMessage(topic: "story-event", partition: partition, offset: offset, key: nil, value: nil)
        }
        snapshot.countCommitted([message(0, 0), message(0, 1), message(1, 0)])
        snapshot.countCommitted([message(0, 2)])
        #expect(snapshot.committedMessages == [p0: 3, p1: 1])
    }
}

import AnnalsEvents
import Foundation
import Kafka
import LoadGeneration
import Synchronization

/// One `annals loadgen` run: every tick, the events the simulation says are due are handed to the producer
/// (their deliveries awaited off the schedule, a bounded number of ticks at a time); a progress line every second.
struct LoadRun {
    let profile: LoadProfile
    let runID: String
    let seed: UInt64
    let durationSeconds: Double
    let tick: Duration
    let producer: KafkaProducer
    /// Ticks whose deliveries may be outstanding before the schedule waits for the oldest.
    var maxTicksInFlight = 100

    func run() async throws -> LoadReport {
        var simulation = LoadSimulation(profile: profile, runID: runID, seed: seed)
        let tally = DeliveryTally()
        let clock = ContinuousClock()
        let start = clock.now
        var maxLag = Duration.zero
        var nextProgress = start + .seconds(1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var ticks = 0
            var inFlight = 0
            while true {
                maxLag = max(maxLag, clock.now - (start + tick * ticks))
                let elapsed = Self.seconds(clock.now - start)
                let target = min(elapsed, durationSeconds)
                let events = simulation.advance(to: target, nowMicroseconds: Self.wallClockMicroseconds())
                if !events.isEmpty {
                    let records = try events.map { event in
                        try KafkaRecord(event, timestampMilliseconds: event.meta.occurredAt.microsecondsSinceEpoch / 1_000)
                    }
                    let stories = events.count { if case .storyEvent = $0 { true } else { false } }
                    let handedOver = clock.now
                    group.addTask {
                        let results = await producer.sendAll(records)
                        tally.record(results, storyEvents: stories, acknowledgedAfter: Self.seconds(clock.now - handedOver))
                    }
                    inFlight += 1
                    if inFlight > maxTicksInFlight {
                        try await group.next()
                        inFlight -= 1
                    }
                }
                if clock.now >= nextProgress {
                    Self.showProgress(elapsed: elapsed, of: durationSeconds, tally.snapshot(), queued: producer.pendingDeliveries)
                    nextProgress = nextProgress + .seconds(1)
                }
                if target >= durationSeconds { break }
                ticks += 1
                let due = start + tick * ticks
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
            try await group.waitForAll()
        }
        let elapsed = Self.seconds(clock.now - start)
        let counts = tally.snapshot()
        Self.showProgress(elapsed: elapsed, of: durationSeconds, counts, queued: 0)
        for error in counts.errors { FileHandle.standardError.write(Data("not delivered: \(error)\n".utf8)) }
        func delivery(_ topic: AnnalsTopic, _ count: DeliveryTally.Counts, target: Double) -> LoadReport.Delivery {
            .init(topic: topic.rawValue, delivered: count.delivered, failed: count.failed, targetPerSecond: target,
                  achievedPerSecond: Double(count.delivered) / durationSeconds)
        }
        return LoadReport(
            runID: runID, profile: profile, worlds: profile.worlds,
            instances: Dictionary(uniqueKeysWithValues: LoadProfile.tiers.map { ($0.name, profile.instances(on: $0)) }),
            plannedSeconds: durationSeconds, elapsedSeconds: elapsed,
            storyEvents: delivery(.storyEvent, counts.story, target: profile.storyEventsPerSecond),
            metricSamples: delivery(.metricSample, counts.samples, target: profile.metricSamplesPerSecond),
            maxScheduleLagSeconds: Self.seconds(maxLag),
            acknowledgementP50Seconds: nearestRankQuantile(counts.acknowledgements, 0.5),
            acknowledgementP99Seconds: nearestRankQuantile(counts.acknowledgements, 0.99))
    }

    /// `loadgen 12/60 s  story-event 1200 (100/s)  metric-sample 240  queued 30`
    private static func showProgress(elapsed: Double, of duration: Double, _ counts: DeliveryTally.Snapshot, queued: Int) {
        let rate = elapsed > 0 ? Double(counts.story.delivered) / min(elapsed, duration) : 0
        var line = String(format: "loadgen %.0f/%.0f s  story-event %d (%.0f/s)  metric-sample %d  awaiting acks %d",
                          min(elapsed, duration), duration, counts.story.delivered, rate, counts.samples.delivered, queued)
        let failed = counts.story.failed + counts.samples.failed
        if failed > 0 { line += "  FAILED \(failed)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Event time for the events made now: the wall clock, in whole microseconds.
    private static func wallClockMicroseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded(.down)) }
}

/// Delivered and failed events per topic, and each tick's acknowledgement time, from concurrent delivery tasks.
final class DeliveryTally: Sendable {
    struct Counts {
        var delivered = 0
        var failed = 0
    }

    struct Snapshot {
        var story = Counts()
        var samples = Counts()
        var acknowledgements: [Double] = []
        /// The first few delivery errors, to show.
        var errors: [String] = []
    }

    private let state = Mutex(Snapshot())

    /// Results of one tick's records, whose first `storyEvents` are story events and the rest metric samples.
    func record(_ results: [Result<DeliveryReport, KafkaError>], storyEvents: Int, acknowledgedAfter seconds: Double) {
        state.withLock { state in
            for (index, result) in results.enumerated() {
                let delivered = if case .success = result { true } else { false }
                if index < storyEvents {
                    if delivered { state.story.delivered += 1 } else { state.story.failed += 1 }
                } else {
                    if delivered { state.samples.delivered += 1 } else { state.samples.failed += 1 }
                }
                if case .failure(let error) = result, state.errors.count < 5 { state.errors.append("\(error)") }
            }
            state.acknowledgements.append(seconds)
        }
    }

    func snapshot() -> Snapshot { state.withLock { $0 } }
}

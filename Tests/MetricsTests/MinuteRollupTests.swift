import AnnalsEvents
import Foundation
import AnnalsMetrics
import Testing

@Suite struct MinuteRollupTests {
    typealias S = SampleFactory

    @Test func tierValuesAreOverEachInstancesLastSampleOfTheMinute() {
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        rollup.add(S.sample(instance: "a", at: 10, queue: 100, gpu: 0.9, latency: 2.0, players: 50))
        rollup.add(S.sample(instance: "a", at: 40, queue: 12, gpu: 0.5, latency: 0.4, players: 40))
        rollup.add(S.sample(instance: "b", at: 20, queue: 8, gpu: 0.7, latency: 0.6, players: 30))
        rollup.add(S.sample(instance: "c", at: 59, queue: 0, gpu: 0.3, latency: 0.3, players: 20, spot: false))
        #expect(rollup.samples == 4)
        #expect(rollup.instancesReporting == 3)
        #expect(rollup.queueDepth == 20)
        #expect(rollup.activePlayers == 90)
        #expect(abs((rollup.meanGPUUtilization ?? .nan) - 0.5) < 1e-12)
        #expect(rollup.maxGPUUtilization == 0.7)
        #expect(rollup.latencyP95Seconds == 0.6)
        #expect(abs((rollup.busyInstances ?? .nan) - 1.5) < 1e-12)
        #expect(!rollup.spotInterruptionNotice)
    }

    @Test func lateSampleUpdatesItsMinuteWhateverTheOrder() {
        let samples = [
            S.sample(instance: "a", at: 40, queue: 12),
            S.sample(instance: "b", at: 20, queue: 8),
            S.sample(instance: "a", at: 10, queue: 100),  // older than the one already in: counted, not the reading
            S.sample(instance: "b", at: 50, queue: 3),  // newer: replaces b's reading
        ]
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        for sample in samples { rollup.add(sample) }
        var reversed = MinuteRollup(tier: .gold, minute: S.minute(0))
        for sample in samples.reversed() { reversed.add(sample) }
        #expect(rollup == reversed)
        #expect(rollup.queueDepth == 15)
        #expect(rollup.samples == 4)
    }

    @Test func sameSampledAtIsBrokenByTheLargerEventIDInByteOrder() {
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        rollup.add(S.sample(instance: "a", at: 30, queue: 1, id: "e-Z"))
        rollup.add(S.sample(instance: "a", at: 30, queue: 2, id: "e-a"))  // "a" (0x61) > "Z" (0x5A)
        rollup.add(S.sample(instance: "a", at: 30, queue: 3, id: "e-B"))
        #expect(rollup.queueDepth == 2)
    }

    @Test func repeatedEventIDChangesNothing() {
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        let added = rollup.add(S.sample(instance: "a", at: 30, queue: 5, id: "dup"))
        let before = rollup
        let addedAgain = rollup.add(S.sample(instance: "a", at: 45, queue: 99, spot: true, id: "dup"))
        #expect(added && !addedAgain)
        #expect(rollup == before)
    }

    @Test func samplesOfAnotherTierOrMinuteAreRefused() {
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        let otherTier = rollup.add(S.sample(.silver, at: 30))
        let otherMinute = rollup.add(S.sample(at: 60))
        #expect(!otherTier && !otherMinute)
        #expect(rollup.samples == 0)
        #expect(rollup.meanGPUUtilization == nil && rollup.latencyP95Seconds == nil, "an empty minute has no reading")
    }

    @Test func spotNoticeInAnySampleOfTheMinuteMarksIt() {
        var rollup = MinuteRollup(tier: .gold, minute: S.minute(0))
        rollup.add(S.sample(instance: "a", at: 10, spot: true))
        rollup.add(S.sample(instance: "a", at: 50, spot: false))
        #expect(rollup.spotInterruptionNotice)
        #expect(rollup.decisionInputs.spotInterruptionNotice)
        #expect(rollup.decisionInputs.windowEnd == S.minute(1).start)
    }

    @Test func rollupsKeepEveryTierAndMinuteApart() {
        let rollups = MinuteRollups([
            S.sample(.gold, instance: "a", at: 10, queue: 1), S.sample(.gold, instance: "a", at: 70, queue: 2),
            S.sample(.silver, instance: "a", at: 20, queue: 4), S.sample(.gold, instance: "b", at: 30, queue: 8),
        ])
        #expect(rollups.count == 3)
        #expect(rollups[.gold, S.minute(0)]?.queueDepth == 9)
        #expect(rollups[.gold, S.minute(1)]?.queueDepth == 2)
        #expect(rollups.rollups(for: .silver).map(\.queueDepth) == [4])
        #expect(rollups.all.map(\.tier) == [.gold, .gold, .silver])
    }

    @Test func rollupSurvivesACodableRoundTripWithStableBytes() throws {
        var rollup = MinuteRollup(tier: .silver, minute: S.minute(2))
        for i in 0..<20 { rollup.add(S.sample(.silver, instance: "i-\(i)", at: 125 + Int64(i), queue: UInt64(i), gpu: 0.01 * Double(i))) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(rollup)
        let decoded = try JSONDecoder().decode(MinuteRollup.self, from: data)
        #expect(decoded == rollup)
        #expect(try encoder.encode(decoded) == data)
    }
}

import AnnalsEvents
import Foundation
import AnnalsMetrics
import Testing

@Suite struct LoadTraceTests {
    @Test(arguments: LoadTrace.shipped)
    func committedFileEqualsTheGenerator(trace: LoadTrace) throws {
        let committed = try TraceFiles.text(trace)
        let generated = try trace.jsonLines()
        #expect(committed == generated, "Samples/load-traces/\(trace.name).jsonl is stale: run `swift run annals-traces`")
        #expect(committed.utf8.count < 2_000_000)
    }

    @Test(arguments: LoadTrace.shipped)
    func everyLineIsAValidMetricSampleInTimeOrder(trace: LoadTrace) throws {
        let samples = try TraceFiles.samples(trace)
        #expect(!samples.isEmpty)
        let times = samples.map(\.sampledAt.microsecondsSinceEpoch)
        #expect(times == times.sorted())
        #expect(Set(samples.map(\.meta.eventID)).count == samples.count)
        #expect(samples.allSatisfy { $0.meta.producer == LoadTrace.producer && $0.meta.occurredAt == $0.sampledAt })
    }

    @Test func shippedTracesAreTheOnesTheReadmeNames() {
        #expect(LoadTrace.shipped.map(\.name) == [
            "players-100", "players-500", "players-1000", "players-5000", "players-10000", "ramp-100-to-10000", "spike",
        ])
    }

    @Test(arguments: [(0, 100.0), (600, 100), (900, 2_575), (1_800, 10_000), (3_000, 10_000), (3_300, 5_050), (3_600, 100), (5_099, 100)])
    func playersFollowThePhasesInStraightLines(second: Int, players: Double) {
        #expect(abs(LoadTrace.ramp100To10000.players(atSecond: second) - players) < 1e-9)
    }

    @Test func spikeJumpsWithinAMinute() {
        let spike = LoadTrace.spike
        #expect(spike.players(atSecond: 15 * 60) == 1_000)
        #expect(spike.players(atSecond: 16 * 60) == 5_000)
        #expect(spike.players(atSecond: 22 * 60) == 5_000)
        #expect(spike.players(atSecond: 24 * 60) == 1_000)
        #expect(spike.durationMinutes == 50)
    }

    @Test func sameSeedSameSamplesOtherSeedOtherSamples() {
        var other = LoadTrace.players(500)
        #expect(other.samples() == LoadTrace.players(500).samples())
        other.seed += 1
        #expect(other.samples() != LoadTrace.players(500).samples())
    }

    /// At 10,000 players the queue-depth target asks for 48 gold, 24 silver and 6.4 bronze instance-equivalents
    /// (LoadModel's calibration), whatever size of fleet recorded the samples.
    @Test(arguments: [(Tier.gold, 48.0), (.silver, 24), (.bronze, 6.4)])
    func holdAtTenThousandPlayersShowsTheCalibratedDemand(tier: Tier, expected: Double) throws {
        let rollups = MinuteRollups(LoadTrace.players(10_000).samples())
        let hold = rollups.rollups(for: tier).filter { (22..<48).contains($0.minute.index - LoadTrace.defaultStart / 60) }
        #expect(hold.count == 26)
        let limits = ScalePolicySettings()[tier]
        let mean = hold.map { Backtest.demand(of: $0, limits: limits) }.reduce(0, +) / Double(hold.count)
        #expect(abs(mean - expected) / expected < 0.03, "mean demand \(mean)")
        #expect(hold.allSatisfy { ($0.latencyP95Seconds ?? .infinity) < 1 })
    }

    @Test func spotInterruptedInstanceReportsItsNoticeThenIsReplaced() throws {
        let gold = LoadTrace.spike.samples().filter { $0.tier == .gold }
        let noticed = gold.filter(\.spotInterruptionNotice)
        #expect(Set(noticed.map(\.instanceID)) == ["gold-01"])
        #expect(noticed.count == 4)  // every 30 s for two minutes
        let minutes = Set(noticed.map { Minute(containing: $0.sampledAt).index - LoadTrace.defaultStart / 60 })
        #expect(minutes == [30, 31])
        let replacement = try #require(gold.first { $0.instanceID == "gold-01-r1" })
        #expect(Minute(containing: replacement.sampledAt).index - LoadTrace.defaultStart / 60 == 32)
        #expect(!gold.contains { $0.instanceID == "gold-01" && $0.sampledAt.seconds >= replacement.sampledAt.seconds })
    }
}

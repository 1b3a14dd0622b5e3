import GPUSimulation
import Testing

/// The simulated fleet's load over time, and what an instance reports at a given load.
@Suite struct LoadProfileTests {
    @Test func aWaveRisesFromIdleToPeakAndBackEachPeriod() {
        let wave = LoadProfile(shape: .wave, period: .seconds(1_200), peakQueue: 60)
        #expect(wave.load(at: .zero) == 0)
        #expect(abs(wave.load(at: .seconds(300)) - 0.5) < 1e-12, "a quarter period: (1 − cos π/2) / 2")
        #expect(wave.load(at: .seconds(600)) == 1)
        #expect(abs(wave.load(at: .seconds(1_500)) - 0.5) < 1e-12, "the next period repeats")
    }

    @Test func aSpikeIsAtPeakForTheMiddleThirdOnly() {
        let spike = LoadProfile(shape: .spike, period: .seconds(900))
        #expect(spike.load(at: .seconds(299)) == 0)
        #expect(spike.load(at: .seconds(300)) == 1)
        #expect(spike.load(at: .seconds(599)) == 1)
        #expect(spike.load(at: .seconds(600)) == 0)
        #expect(LoadProfile(shape: .flat).load(at: .seconds(12_345)) == 1)
    }

    @Test func anInstanceReportsWithinItsRangesWhateverTheLoad() {
        for load in [-1, 0, 0.25, 1, 7, .nan, .infinity] as [Double] {
            let reading = LoadProfile.reading(at: load, peakQueue: 60)
            #expect((15...95).contains(reading.gpu), "load \(load)")
            #expect((4_000...14_400).contains(reading.memoryUsed), "load \(load)")
            #expect((0...60).contains(reading.waiting), "load \(load)")
            #expect(reading.latencies.allSatisfy { (0.15...2.3).contains($0) }, "load \(load)")
        }
        let peak = LoadProfile.reading(at: 1, peakQueue: 60)
        #expect(peak.gpu == 95 && peak.waiting == 60 && peak.latencies.max() == 2.3)
    }
}

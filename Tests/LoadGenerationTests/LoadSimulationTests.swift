import AnnalsEvents
import LoadGeneration
import Testing

@Suite("Load simulation")
struct LoadSimulationTests {
    static let start: Int64 = 1_796_000_000_000_000

    /// Runs `profile` for `seconds` in ticks of `tick` seconds and returns every event made.
    static func events(_ profile: LoadProfile, seconds: Double, tick: Double = 0.1, seed: UInt64 = 1) -> [AnnalsEvent] {
        var simulation = LoadSimulation(profile: profile, runID: "t", seed: seed)
        var events: [AnnalsEvent] = []
        var elapsed = 0.0
        while elapsed < seconds {
            elapsed = min(seconds, elapsed + tick)
            events += simulation.advance(to: elapsed, nowMicroseconds: start + Int64(elapsed * 1_000_000))
        }
        return events
    }

    static func stories(_ events: [AnnalsEvent]) -> [StoryEvent] {
        events.compactMap { if case .storyEvent(let e) = $0 { e } else { nil } }
    }

    static func samples(_ events: [AnnalsEvent]) -> [MetricSample] {
        events.compactMap { if case .metricSample(let e) = $0 { e } else { nil } }
    }

    @Test func keepsTheProfilesRatesWhateverTheTick() {
        let profile = LoadProfile(players: 1_000)  // 100 story events/s; 5+8+13 = 26 instances sampling every 10 s
        for tick in [0.01, 0.1, 0.7, 5] {
            let events = Self.events(profile, seconds: 60, tick: tick)
            #expect(Self.stories(events).count == 6_000, "tick \(tick)")
            #expect(Self.samples(events).count == 26 * 6, "tick \(tick)")
        }
    }

    @Test func eachWorldsSequenceRunsOneTwoThreeWithoutGaps() {
        let events = Self.stories(Self.events(LoadProfile(players: 120, playersPerWorld: 25), seconds: 30))
        let byWorld = Dictionary(grouping: events, by: \.worldID)
        #expect(byWorld.count == 5)
        for (world, worldEvents) in byWorld {
            #expect(worldEvents.map(\.sequence) == Array(1...UInt64(worldEvents.count)), "\(world)")
        }
    }

    @Test func everyEventIsValidAndUniquelyIdentified() {
        let events = Self.events(LoadProfile(players: 300), seconds: 20)
        for event in events {
            #expect(EventValidator.problems(in: event).isEmpty, "\(event)")
        }
        #expect(Set(events.map(\.meta.eventID)).count == events.count)
        #expect(events.allSatisfy { $0.meta.traceID.count == 32 })
        #expect(Self.stories(events).contains { !$0.conceptUpdates.isEmpty })
        #expect(Self.stories(events).contains { !$0.relationshipUpdates.isEmpty })
    }

    @Test func theSameSeedMakesTheSameEventsAndAnotherSeedOthers() {
        let profile = LoadProfile(players: 50)
        #expect(Self.events(profile, seconds: 10, seed: 7) == Self.events(profile, seconds: 10, seed: 7))
        #expect(Self.events(profile, seconds: 10, seed: 7) != Self.events(profile, seconds: 10, seed: 8))
    }

    @Test func instancesSampleOncePerIntervalStaggeredAndReportTheirShareOfPlayers() {
        let profile = LoadProfile(players: 400, playersPerInstance: 40)  // gold 80 → 2, silver 120 → 3, bronze 200 → 5
        #expect(LoadProfile.tiers.map { profile.instances(on: $0) } == [2, 3, 5])
        let samples = Self.samples(Self.events(profile, seconds: 10))
        #expect(samples.count == 10)
        #expect(Set(samples.map(\.instanceID)).count == 10, "one sample per instance per interval")
        #expect(Set(samples.map(\.sampledAt.seconds)).count > 1, "staggered, not all at once")
        for sample in samples {
            #expect(sample.activePlayers == 40)
            #expect((0.65...0.85).contains(sample.gpuUtilization), "\(sample.gpuUtilization)")
        }
    }

    @Test func eventTimeIsTheTimeGivenToAdvance() {
        var simulation = LoadSimulation(profile: LoadProfile(players: 600), runID: "t")
        let events = simulation.advance(to: 1, nowMicroseconds: Self.start + 123)
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { $0.meta.occurredAt.microsecondsSinceEpoch == Self.start + 123 })
    }

    @Test(arguments: [
        (LoadProfile(players: 0), "players must be at least 1"),
        (LoadProfile(players: 10, playersPerWorld: 0), "players per world"),
        (LoadProfile(players: 10, sampleIntervalSeconds: 0), "sample interval"),
        (LoadProfile(players: 10, tierShares: [0.5, 0.5, 0.5]), "tier shares"),
    ])
    func badSettingsAreNamed(profile: LoadProfile, problem: String) {
        #expect(profile.problems.count == 1)
        #expect(profile.problems.first?.contains(problem) == true, "\(profile.problems)")
    }
}

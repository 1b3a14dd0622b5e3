import AnnalsEvents
import AnnalsMetrics
import Testing

/// The acceptance scenarios, backtested on the shipped traces with the default policy.
@Suite struct ScenarioTests {
    static let startMinute = LoadTrace.defaultStart / 60

    @Test(arguments: [0, 1, 2])
    func rampFrom100To10000PlayersScalesOutWithinFiveMinutesOfDemand(provisioningDelay: Int) throws {
        let report = Backtest.run(LoadTrace.ramp100To10000.samples(), settings: BacktestSettings(provisioningDelayMinutes: provisioningDelay))
        #expect(report.tiers.map(\.tier) == Tier.scaled)
        let tolerance = ScalePolicySettings().tolerance
        for tier in report.tiers {
            #expect(!tier.decisions(.scaleOut).isEmpty)
            // Every breach of the rise is covered by a scale-out within five minutes…
            for breach in tier.breaches where breach.start.index - Self.startMinute < LoadTrace.ramp100To10000FallMinute {
                let after = try #require(breach.scaleOutAfterMinutes, "\(tier.tier.name) breach at \(breach.start) never covered")
                #expect(after <= 5, "\(tier.tier.name) breach at \(breach.start) covered after \(after) min")
            }
            // …and, minute by minute, capacity is never more than five minutes behind demand.
            for (index, minute) in tier.minutes.enumerated() where index >= 5 {
                guard let earlier = tier.minutes[index - 5].demand else { continue }
                let reachable = min(earlier, Double(ScalePolicySettings()[tier.tier].maxInstances))
                #expect(Double(minute.capacity) * (1 + tolerance) + 1e-9 >= reachable,
                        "\(tier.tier.name) at \(minute.minute): capacity \(minute.capacity), demand 5 min earlier \(earlier)")
            }
        }
    }

    @Test func rampScalesInNoSoonerThanFifteenMinutesAfterDemandFalls() throws {
        let report = Backtest.run(LoadTrace.ramp100To10000.samples())
        let fall = Minute(index: Self.startMinute + Int64(LoadTrace.ramp100To10000FallMinute))
        for tier in report.tiers {
            let scaleIns = tier.decisions(.scaleIn)
            let first = try #require(scaleIns.first, "\(tier.tier.name) never scaled in")
            #expect(first.decidedMinute.minutes(since: fall) >= 15, "\(tier.tier.name) scaled in at \(first.decidedMinute)")
            #expect(tier.decisions.allSatisfy { $0.kind != .scaleIn || $0.decidedMinute >= fall.advanced(by: 15) })
            // …and it does come down to the minimum by the end of the trace.
            #expect(tier.minutes.last?.capacity == ScalePolicySettings()[tier.tier].minInstances)
        }
    }

    @Test func spikeTripsTheLatencySafeguardAndReplacesTheInterruptedInstance() throws {
        let report = Backtest.run(LoadTrace.spike.samples())
        let gold = try #require(report.tiers.first { $0.tier == .gold })
        let spikeMinute = Minute(index: Self.startMinute + 15)
        let firstOut = try #require(gold.decisions(.scaleOut).first)
        #expect(firstOut.decidedMinute == spikeMinute.advanced(by: 1))  // reacts within a minute of the breach
        #expect(report.decisions.contains { $0.reason.contains("latency P95") && $0.reason.contains("forces a step") })
        let replacements = gold.decisions(.spotReplacement)
        #expect(replacements.count == 1)
        #expect(replacements.first?.interruptedInstances == ["gold-01"])
        #expect(replacements.first?.desiredCapacity == replacements.first?.currentCapacity)
        #expect(replacements.first?.decidedMinute == Minute(index: Self.startMinute + 30))
    }

    @Test(arguments: [100, 500, 1_000, 5_000, 10_000])
    func steadyTracesNeverFlap(peak: Int) {
        // Each tier rises once and falls once: no scale-in before the ramp down, no scale-out after it.
        let report = Backtest.run(LoadTrace.players(peak).samples())
        let rampDown = Minute(index: Self.startMinute + 50)
        for tier in report.tiers {
            #expect(tier.decisions.allSatisfy { $0.kind != .scaleIn || $0.decidedMinute >= rampDown.advanced(by: 15) })
            #expect(tier.decisions.allSatisfy { $0.kind != .scaleOut || $0.decidedMinute <= rampDown })
        }
    }
}

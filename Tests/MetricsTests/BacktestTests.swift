import AnnalsEvents
import AnnalsMetrics
import Testing

@Suite struct BacktestTests {
    typealias S = SampleFactory

    /// One gold instance sampling at :30 each minute; queue depths 100, 100, 300, 300, 100.
    static let samples = [UInt64(100), 100, 300, 300, 100].enumerated().map { minute, queue in
        S.sample(instance: "a", at: Int64(minute) * 60 + 30, queue: queue)
    }

    @Test func handComputedCase() throws {
        // Minute 2 asks for 30 (limited to +10 → 20), decided at 3:30 so serving from minute 3; minute 3 asks
        // again at 20 → 30 from minute 4. Capacity 10, 10, 10, 20, 30 against demand 10, 10, 30, 30, 10.
        let report = Backtest.run(Self.samples, settings: BacktestSettings(initialCapacity: [.gold: 10]))
        let gold = try #require(report.tiers.first)
        #expect(report.tiers.map(\.tier) == [.gold])
        #expect(gold.decisions.map(\.desiredCapacity) == [20, 30])
        #expect(gold.decisions.map(\.decidedMinute) == [S.minute(3), S.minute(4)])
        #expect(gold.minutes.map(\.capacity) == [10, 10, 10, 20, 30])
        #expect(gold.minutes.map(\.demand) == [10, 10, 30, 30, 10])
        #expect(gold.minutes.map(\.needed) == [10, 10, 30, 30, 10])
        #expect(gold.instanceMinutesProvisioned == 80)
        #expect(gold.instanceMinutesNeeded == 90)
        #expect(gold.minutesUnderTarget == 2)
        #expect(gold.breaches == [Breach(start: S.minute(2), minutes: 2, peakDemand: 30, scaleOutAfterMinutes: 2)])
        #expect(gold.slowestScaleOutMinutes == 2)
        #expect(gold.summary == "gold: 2 decisions (2 out, 0 in, 0 spot replacements); 1 breaches, scale-out after 2 min "
            + "(slowest 2); 80 instance-minutes provisioned vs 90 needed (89%); 2 minutes under target")
    }

    @Test func provisioningDelayHoldsNewInstancesBack() throws {
        let settings = BacktestSettings(provisioningDelayMinutes: 1, initialCapacity: [.gold: 10])
        let gold = try #require(Backtest.run(Self.samples, settings: settings).tiers.first)
        #expect(gold.minutes.map(\.desired) == [10, 10, 10, 20, 30])
        #expect(gold.minutes.map(\.capacity) == [10, 10, 10, 10, 20])
        #expect(gold.instanceMinutesProvisioned == 60)
        #expect(gold.breaches.map(\.scaleOutAfterMinutes) == [nil])
    }

    @Test func scaleInTakesEffectAtOnceEvenWithADelay() throws {
        let samples = (0..<20).map { S.sample(instance: "a", at: Int64($0) * 60 + 30, queue: 50) }
        let gold = try #require(Backtest.run(samples, settings: BacktestSettings(
            provisioningDelayMinutes: 3, initialCapacity: [.gold: 10])).tiers.first)
        // Minute 14 closes the 15-minute window; decided at 15:30.
        #expect(gold.decisions.map(\.desiredCapacity) == [5])
        #expect(gold.minutes[14].capacity == 10 && gold.minutes[15].capacity == 5)
    }

    @Test(arguments: [
        (UInt64(200), 0.35, 5, 20.0),  // queue 200 / 10 = 20 beats GPU 0.35 × 5 / 0.7 = 2.5
        (20, 0.98, 10, 14.0),  // GPU 0.98 × 10 / 0.7 = 14 beats queue 2
        (0, 0, 3, 0.0),
    ])
    func demandIsTheLargerOfQueueAndGPUInstanceEquivalents(queue: UInt64, gpu: Double, instances: Int, expected: Double) {
        let rollup = S.rollup(minute: 0, queue: queue, gpu: gpu, instances: instances)
        #expect(abs(Backtest.demand(of: rollup, limits: ScalePolicySettings().gold) - expected) < 1e-9)
    }

    @Test func initialCapacityIsTheFleetOfTheFirstMinute() throws {
        let samples = (0..<4).map { S.sample(.silver, instance: "s-\($0)", at: 10, queue: 40) }
        let silver = try #require(Backtest.run(samples).tiers.first)
        #expect(silver.tier == .silver && silver.initialCapacity == 4)
    }

    @Test func minutesWithoutSamplesHaveNoDemand() throws {
        let samples = [S.sample(at: 30, queue: 10), S.sample(at: 3 * 60 + 30, queue: 10)]
        let gold = try #require(Backtest.run(samples).tiers.first)
        #expect(gold.minutes.map(\.demand) == [1, nil, nil, 1])
        #expect(gold.minutesWithoutSamples == 2)
        #expect(gold.instanceMinutesNeeded == 2 && gold.instanceMinutesProvisioned == 4)
    }

    @Test func noSamplesGiveAnEmptyReport() {
        let report = Backtest.run([])
        #expect(report.tiers.isEmpty)
        #expect(report.summary == "policy \(ScalePolicy.version(settings: ScalePolicySettings())), provisioning delay 0 min")
    }
}

@Suite struct BacktestCostTests {
    @Test func theHandComputedCaseCostsItsSplitMinuteByMinute() throws {
        // Capacity 10, 10, 10, 20, 30 (BacktestTests.handComputedCase), split 0.8 with one on demand at least:
        // 8 + 2, 8 + 2, 8 + 2, 16 + 4, 24 + 6. At $0.25 spot and $1 on demand an hour: 4, 4, 4, 8 and 12 $/h.
        // 600 players in each of the 5 minutes: 50 player-hours.
        let samples = [UInt64(100), 100, 300, 300, 100].enumerated().map { minute, queue in
            SampleFactory.sample(instance: "a", at: Int64(minute) * 60 + 30, queue: queue, players: 600)
        }
        let report = Backtest.run(samples, settings: BacktestSettings(initialCapacity: [.gold: 10]))
        let gold = try #require(report.tiers.first)
        #expect(gold.minutes.map(\.capacity) == [10, 10, 10, 20, 30])
        let cost = BacktestCost(gold, price: PriceTable.Price(onDemand: 1, spot: 0.25), split: report.settings.policy.split)
        #expect(abs(cost.provisioned.dollars - 32.0 / 60) < 1e-9)
        #expect(abs(cost.provisioned.spotHours - 64.0 / 60) < 1e-9 && abs(cost.provisioned.onDemandHours - 16.0 / 60) < 1e-9)
        #expect(abs(cost.atPeak.dollars - 5 * 12.0 / 60) < 1e-9, "30 instances (24 + 6) for all 5 minutes")
        #expect(abs(cost.allOnDemand.dollars - 80.0 / 60) < 1e-9, "80 instance-minutes at $1 an hour")
        #expect(abs(cost.playerHours - 50) < 1e-9)
        #expect(abs((cost.dollarsPerThousandPlayerHours ?? 0) - 32.0 / 60 / 50 * 1_000) < 1e-9)
        let total = cost + cost
        #expect(abs(total.provisioned.dollars - 2 * cost.provisioned.dollars) < 1e-12 && total.playerHours == 2 * cost.playerHours)
    }

    /// An instance bills from its launch: a provisioning delay holds capacity back from serving, not from the bill.
    @Test func aProvisioningDelayDelaysServingButNotBilling() throws {
        let samples = [UInt64(100), 100, 300, 300, 100].enumerated().map { minute, queue in
            SampleFactory.sample(instance: "a", at: Int64(minute) * 60 + 30, queue: queue, players: 600)
        }
        let price = PriceTable.Price(onDemand: 1, spot: 0.25)
        let prompt = try #require(Backtest.run(samples, settings: BacktestSettings(initialCapacity: [.gold: 10])).tiers.first)
        let late = try #require(Backtest.run(
            samples, settings: BacktestSettings(provisioningDelayMinutes: 2, initialCapacity: [.gold: 10])).tiers.first)
        #expect(late.minutes.map(\.capacity) == [10, 10, 10, 10, 10], "the scale-outs of minutes 3 and 4 serve from 5 and 6")
        #expect(late.minutes.map(\.desired) == prompt.minutes.map(\.desired))
        let split = ScalePolicySettings().split
        #expect(BacktestCost(late, price: price, split: split) == BacktestCost(prompt, price: price, split: split))
    }
}

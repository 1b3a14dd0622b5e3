import AnnalsEvents
import AnnalsMetrics
import Foundation
import Testing

/// Cost arithmetic: a price table, capacity split as the policy splits it, and a decision history's timeline.
@Suite struct CostTests {
    static let price = PriceTable.Price(onDemand: 1.0, spot: 0.25)

    @Test(arguments: [
        // capacity, minutes, spot hours, on-demand hours, dollars (spot share 0.8, at least 1 on demand)
        (10, 60.0, 8.0, 2.0, 8 * 0.25 + 2 * 1.0),
        (3, 30.0, 1.0, 0.5, 1 * 0.25 + 0.5 * 1.0),
        (1, 90.0, 0.0, 1.5, 1.5),
        (0, 60.0, 0.0, 0.0, 0.0),
        (15, 6.0, 1.2, 0.3, 1.2 * 0.25 + 0.3),
    ])
    func capacityHeldForMinutesCostsItsSplitAtItsPrices(capacity: Int, minutes: Double, spot: Double, onDemand: Double,
                                                       dollars: Double) {
        let cost = CapacityCost(CapacitySplit(capacity: capacity, spotShare: 0.8, minOnDemand: 1), minutes: minutes, price: Self.price)
        #expect(abs(cost.spotHours - spot) < 1e-9 && abs(cost.onDemandHours - onDemand) < 1e-9)
        #expect(abs(cost.dollars - dollars) < 1e-9)
        let allOnDemand = CapacityCost.onDemand(capacity: capacity, minutes: minutes, price: Self.price)
        #expect(abs(allOnDemand.dollars - Double(capacity) * minutes / 60) < 1e-9 && allOnDemand.spotHours == 0)
    }

    static func at(_ minutes: Double) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + minutes * 60) }

    @Test func eachDecisionsCapacityHoldsUntilTheNextAndTheLastUntilThePeriodEnds() {
        let split = { CapacitySplit(capacity: $0, spotShare: 0.8, minOnDemand: 1) }
        let changes = [CapacityTimeline.Change(at: Self.at(-30), split: split(2)), .init(at: Self.at(20), split: split(6)),
                       .init(at: Self.at(10), split: split(4)), .init(at: Self.at(90), split: split(1))]
        let spans = CapacityTimeline.spans(changes, from: Self.at(0), until: Self.at(60))
        #expect(spans.map(\.split.total) == [2, 4, 6], "the change before the period sets its start; out of order is sorted")
        #expect(spans.map(\.minutes) == [10, 10, 40])
        #expect(CapacityTimeline.spans(changes, from: Self.at(60), until: Self.at(60)).isEmpty)
        #expect(CapacityTimeline.spans([.init(at: Self.at(30), split: split(3))], from: Self.at(0), until: Self.at(60))
            .map(\.minutes) == [30], "nothing is counted before the first capacity known")
        // 40 minutes at 6: 4 spot + 2 on demand → 4 × 40/60 × 0.25 + 2 × 40/60 × 1
        let total = spans.map { $0.cost(at: Self.price) }.reduce(.zero, +)
        let first: Double = 1.0 * 10 / 60                              // 2 → 1 spot + 1 on demand
        let second: Double = 3.0 * 10 / 60 * 0.25 + 1.0 * 10 / 60       // 4 → 3 spot + 1 on demand
        let third: Double = 4.0 * 40 / 60 * 0.25 + 2.0 * 40 / 60        // 6 → 4 spot + 2 on demand
        let expected = first * 0.25 + first + second + third
        #expect(abs(total.dollars - expected) < 1e-9)
    }

    @Test func spansAreCutAtUTCMidnight() throws {
        let day = 86_400.0, midnight = (1_800_000_000 / day).rounded(.down) * day
        let span = CapacityTimeline.Span(start: Date(timeIntervalSince1970: midnight - 3_600),
                                         end: Date(timeIntervalSince1970: midnight + day + 1_800),
                                         split: CapacitySplit(spot: 4, onDemand: 1))
        let pieces = CapacityTimeline.byDay([span])
        #expect(pieces.map(\.span.minutes) == [60, 1_440, 30])
        #expect(pieces.map(\.day.timeIntervalSince1970) == [midnight - day, midnight, midnight + day])
        let far = CapacityTimeline.Span(start: Date(timeIntervalSince1970: 1e300), end: Date(timeIntervalSince1970: 2e300),
                                        split: CapacitySplit(spot: 0, onDemand: 1))
        #expect(CapacityTimeline.byDay([far]).count <= 1, "times too large to count in days do not loop")
    }

    @Test func theDefaultsPriceEveryTierAndAFileReplacesWhatItGives() throws {
        try PriceTable.defaults.validate()
        #expect(try PriceTable.defaults.price(of: .gold) == PriceTable.defaults.prices["g5.xlarge"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"region": "eu-west-1", "prices": {"g5.xlarge": {"onDemand": 1.5, "spot": 0.6}}, "tierInstanceTypes": {"bronze": "g6.xlarge"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let table = try PriceTable.load(path: path)
        #expect(table.region == "eu-west-1")
        #expect(try table.price(of: .gold) == PriceTable.Price(onDemand: 1.5, spot: 0.6))
        #expect(try table.price(of: .bronze) == PriceTable.defaults.prices["g6.xlarge"])
        #expect(try table.price(of: .silver) == PriceTable.defaults.price(of: .silver))

        try #"{"prices": {"g5.xlarge": {"onDemand": -1, "spot": 0.3}}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CostError.invalidPrice(source: path, instanceType: "g5.xlarge", option: "onDemand", amount: -1)) {
            try PriceTable.load(path: path)
        }
        try #"{"tierInstanceTypes": {"gold": "p5.48xlarge"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CostError.noPrice(instanceType: "p5.48xlarge", tier: "gold")) { try PriceTable.load(path: path) }
        try "prices: yaml".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CostError.self) { try PriceTable.load(path: path) }
    }
}

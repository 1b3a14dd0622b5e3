import AnnalsEvents
import Foundation

/// Instance-hours and what they cost; pure arithmetic over a `PriceTable`.
public struct CapacityCost: Sendable, Equatable, Codable {
    public var spotHours: Double
    public var onDemandHours: Double
    /// US dollars.
    public var dollars: Double

    public init(spotHours: Double = 0, onDemandHours: Double = 0, dollars: Double = 0) {
        self.spotHours = spotHours
        self.onDemandHours = onDemandHours
        self.dollars = dollars
    }

    public static let zero = CapacityCost()

    /// Instance-hours in all.
    public var hours: Double { spotHours + onDemandHours }

    public static func + (lhs: CapacityCost, rhs: CapacityCost) -> CapacityCost {
        CapacityCost(spotHours: lhs.spotHours + rhs.spotHours, onDemandHours: lhs.onDemandHours + rhs.onDemandHours,
                     dollars: lhs.dollars + rhs.dollars)
    }

    /// `split` held for `minutes` at `price`.
    public init(_ split: CapacitySplit, minutes: Double, price: PriceTable.Price) {
        let spotHours = Double(split.spot) * minutes / 60, onDemandHours = Double(split.onDemand) * minutes / 60
        self.init(spotHours: spotHours, onDemandHours: onDemandHours,
                  dollars: spotHours * price.spot + onDemandHours * price.onDemand)
    }

    /// `capacity` instances held for `minutes` all on demand at `price`: what spot saves is measured against this.
    public static func onDemand(capacity: Int, minutes: Double, price: PriceTable.Price) -> CapacityCost {
        CapacityCost(CapacitySplit(spot: 0, onDemand: max(0, capacity)), minutes: minutes, price: price)
    }
}

/// A tier's capacity over a period, as scale decisions set it: each decision's capacity holds from its time until
/// the next decision's, the last one's until the period ends.
public struct CapacityTimeline: Sendable, Equatable {
    /// A capacity, spot and on demand, set at a time.
    public struct Change: Sendable, Equatable {
        public var at: Date
        public var split: CapacitySplit

        public init(at: Date, split: CapacitySplit) {
            self.at = at
            self.split = split
        }
    }

    /// A stretch of time at one capacity.
    public struct Span: Sendable, Equatable {
        public var start: Date
        public var end: Date
        public var split: CapacitySplit

        public init(start: Date, end: Date, split: CapacitySplit) {
            self.start = start
            self.end = end
            self.split = split
        }

        public var minutes: Double { end.timeIntervalSince(start) / 60 }
        /// What the span costs at `price`.
        public func cost(at price: PriceTable.Price) -> CapacityCost { CapacityCost(split, minutes: minutes, price: price) }
    }

    /// The stretches of [`from`, `until`) at each capacity, in time order. Before the first change within the period
    /// the capacity is the last one set before it (`changes` may start earlier), or nothing is counted when none was.
    /// Changes out of time order are taken in time order; spans of no length are left out.
    public static func spans(_ changes: [Change], from: Date, until: Date) -> [Span] {
        guard from < until else { return [] }
        let ordered = changes.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var spans: [Span] = []
        for (index, change) in ordered.enumerated() {
            let next = index + 1 < ordered.count ? ordered[index + 1].at : until
            let start = max(change.at, from), end = min(next, until)
            if start < end { spans.append(Span(start: start, end: end, split: change.split)) }
        }
        return spans
    }

    /// `spans` cut at each UTC midnight, so that each piece lies within one day (Unix days of 86,400 s).
    public static func byDay(_ spans: [Span]) -> [(day: Date, span: Span)] {
        var pieces: [(day: Date, span: Span)] = []
        for span in spans {
            var start = span.start
            while start < span.end {
                let day = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
                let end = min(day.addingTimeInterval(86_400), span.end)
                guard end > start else { break }  // beyond Double's whole seconds a day no longer moves time on
                pieces.append((day, Span(start: start, end: end, split: span.split)))
                start = end
            }
        }
        return pieces
    }
}

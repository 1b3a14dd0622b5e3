import AnnalsEvents
import Foundation

/// What the GPU fleet's instances cost an hour, on demand and on spot, in US dollars, and which instance type each
/// tier's capacity is priced at. The defaults are for the ECS template's first instance type per tier in us-east-1;
/// a JSON file (`PriceTable.load`) replaces any of them.
public struct PriceTable: Sendable, Equatable, Codable {
    /// One instance type's hourly prices.
    public struct Price: Sendable, Equatable, Codable {
        public var onDemand: Double
        public var spot: Double

        public init(onDemand: Double, spot: Double) {
            self.onDemand = onDemand
            self.spot = spot
        }
    }

    /// The region the prices are for (informational).
    public var region: String
    /// Hourly prices by instance type (`g5.xlarge`).
    public var prices: [String: Price]
    /// The instance type each tier is priced at, by tier name (gold, silver, bronze).
    public var tierInstanceTypes: [String: String]

    public init(region: String, prices: [String: Price], tierInstanceTypes: [String: String]) {
        self.region = region
        self.prices = prices
        self.tierInstanceTypes = tierInstanceTypes
    }

    /// us-east-1 Linux on-demand list prices of the template's instance types (AWS price list, 2026), and spot at
    /// 40% of on demand, a typical level there: spot prices move by the hour, so give the ones you pay in a file.
    public static let defaults: PriceTable = {
        let onDemand: [String: Double] = [
            "g4dn.xlarge": 0.526, "g4dn.2xlarge": 0.752, "g5.xlarge": 1.006, "g5.2xlarge": 1.212,
            "g5.4xlarge": 1.624, "g6.xlarge": 0.8048, "g6.2xlarge": 0.9776,
            "c5.4xlarge": 0.68, "c6i.4xlarge": 0.68, "c6a.4xlarge": 0.612,
        ]
        return PriceTable(
            region: "us-east-1",
            prices: onDemand.mapValues { Price(onDemand: $0, spot: ($0 * spotShareOfOnDemand * 10_000).rounded() / 10_000) },
            tierInstanceTypes: ["gold": "g5.xlarge", "silver": "g5.2xlarge", "bronze": "c5.4xlarge"])
    }()

    /// The default spot price as a share of the on-demand one.
    public static let spotShareOfOnDemand = 0.4

    /// The prices `tier` is charged at; throws when the table has no type or no price for it.
    public func price(of tier: Tier) throws(CostError) -> Price {
        guard let type = tierInstanceTypes[tier.name] else { throw .noInstanceType(tier: tier.name) }
        guard let price = prices[type] else { throw .noPrice(instanceType: type, tier: tier.name) }
        return price
    }

    /// The defaults, with the JSON file at `path` laid over them when there is one (`load(path:)`).
    public static func defaults(overriddenBy path: String?) throws(CostError) -> PriceTable {
        guard let path else { return defaults }
        return try load(path: path)
    }

    /// The defaults with what the JSON file at `path` gives laid over them: `region`, `prices` (by instance type,
    /// each `{"onDemand": …, "spot": …}`) and `tierInstanceTypes` (by tier name), each optional.
    public static func load(path: String) throws(CostError) -> PriceTable {
        struct Overrides: Decodable {
            var region: String?
            var prices: [String: Price]?
            var tierInstanceTypes: [String: String]?
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        let overrides: Overrides
        do {
            overrides = try JSONDecoder().decode(Overrides.self, from: data)
        } catch {
            throw .unreadable(path: path, reason: "not a price table: \(error)")
        }
        var table = defaults
        table.region = overrides.region ?? table.region
        table.prices.merge(overrides.prices ?? [:]) { $1 }
        table.tierInstanceTypes.merge(overrides.tierInstanceTypes ?? [:]) { $1 }
        try table.validate(source: path)
        return table
    }

    /// Throws unless every price is a finite amount of at least 0 and every scaled tier has a priced type.
    public func validate(source: String = "the price table") throws(CostError) {
        for (type, price) in prices.sorted(by: { $0.key < $1.key }) {
            for (option, amount) in [("onDemand", price.onDemand), ("spot", price.spot)] where !(amount.isFinite && amount >= 0) {
                throw .invalidPrice(source: source, instanceType: type, option: option, amount: amount)
            }
        }
        for tier in Tier.scaled { _ = try price(of: tier) }
    }
}

/// Why a cost cannot be worked out.
public enum CostError: Error, Equatable, CustomStringConvertible {
    case noInstanceType(tier: String)
    case noPrice(instanceType: String, tier: String)
    case invalidPrice(source: String, instanceType: String, option: String, amount: Double)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .noInstanceType(let tier):
            "the price table names no instance type for tier \(tier): add it under tierInstanceTypes"
        case .noPrice(let type, let tier):
            "the price table has no price for \(type) (tier \(tier)): add it under prices as {\"onDemand\": …, \"spot\": …}"
        case .invalidPrice(let source, let type, let option, let amount):
            "\(source): \(type)'s \(option) price is \(amount); use dollars an hour, 0 or more"
        case .unreadable(let path, let reason):
            "cannot read the price table \(path): \(reason)"
        }
    }
}

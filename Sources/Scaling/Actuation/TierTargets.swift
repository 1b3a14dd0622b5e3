import AnnalsEvents

/// Per-tier resource names from repeated `tier=name` settings, e.g. `--ecs-service gold=annals-gold`.
public enum TierTargets {
    /// The tiers decisions can name: gold, silver, bronze.
    public static let tiers: [String] = Annals_V1_Tier.allCases.filter { $0 != .unspecified }.map(\.name)

    /// Parses `values` given to `option` into resource name by tier; throws on a malformed entry, an unknown tier,
    /// an empty name or a tier given twice.
    public static func parse(_ values: [String], option: String) throws(TierTargetsError) -> [String: String] {
        var targets: [String: String] = [:]
        for value in values {
            guard let equals = value.firstIndex(of: "=") else {
                throw TierTargetsError(option: option, value: value, problem: .notAnAssignment)
            }
            let tier = value[..<equals].trimmingSpaces.lowercased()
            let name = String(value[value.index(after: equals)...].trimmingSpaces)
            guard tiers.contains(tier) else {
                throw TierTargetsError(option: option, value: value, problem: .unknownTier(tier))
            }
            guard !name.isEmpty else { throw TierTargetsError(option: option, value: value, problem: .emptyName) }
            guard targets[tier] == nil else {
                throw TierTargetsError(option: option, value: value, problem: .repeatedTier(tier))
            }
            targets[tier] = name
        }
        return targets
    }
}

/// A `tier=name` setting that cannot be used; the message says how to write it.
public struct TierTargetsError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        case notAnAssignment
        case unknownTier(String)
        case emptyName
        case repeatedTier(String)
    }

    public var option: String
    public var value: String
    public var problem: Problem

    public var description: String {
        let example = "e.g. \(option) gold=annals-gold"
        switch problem {
        case .notAnAssignment:
            return "\(option) \(value): expected tier=name, \(example)"
        case .unknownTier(let tier):
            return "\(option) \(value): unknown tier \"\(tier)\"; the tiers are \(TierTargets.tiers.joined(separator: ", "))"
        case .emptyName:
            return "\(option) \(value): the name after = is empty, \(example)"
        case .repeatedTier(let tier):
            return "\(option) names tier \(tier) twice (last: \(value)): give each tier once"
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}

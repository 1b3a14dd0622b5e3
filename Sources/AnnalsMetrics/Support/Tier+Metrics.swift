import AnnalsEvents

extension Tier {
    /// The three tiers that scale, in the order reports list them.
    public static let scaled: [Tier] = [.gold, .silver, .bronze]

    /// The tier named `name` (gold, silver, bronze), as `Tier.name` spells it; nil for anything else.
    public init?(name: String) {
        guard let tier = Tier.scaled.first(where: { $0.name == name }) else { return nil }
        self = tier
    }
}

import AnnalsEvents

/// How many players a load run simulates and how they behave: the rates the generator keeps.
///
/// The defaults are a narrative game's: a player triggers a story beat (quest step, dialogue choice, encounter)
/// about every 10 seconds, 25 players share a world, and one GPU inference instance serves 40 players and reports
/// a metric sample every 10 seconds. Players are spread over the tiers 20/30/50 (gold/silver/bronze).
public struct LoadProfile: Sendable, Equatable, Codable {
    /// Concurrent players.
    public var players: Int
    /// Story events each player causes per minute.
    public var storyEventsPerPlayerPerMinute: Double
    /// Players sharing one world (the last world may have fewer).
    public var playersPerWorld: Int
    /// Players one GPU instance serves at its target utilisation.
    public var playersPerInstance: Int
    /// Seconds between two metric samples of one instance.
    public var sampleIntervalSeconds: Double
    /// Share of the players on each tier, gold, silver, bronze; sums to 1.
    public var tierShares: [Double]

    public init(players: Int, storyEventsPerPlayerPerMinute: Double = 6, playersPerWorld: Int = 25,
                playersPerInstance: Int = 40, sampleIntervalSeconds: Double = 10, tierShares: [Double] = [0.2, 0.3, 0.5]) {
        self.players = players
        self.storyEventsPerPlayerPerMinute = storyEventsPerPlayerPerMinute
        self.playersPerWorld = playersPerWorld
        self.playersPerInstance = playersPerInstance
        self.sampleIntervalSeconds = sampleIntervalSeconds
        self.tierShares = tierShares
    }

    /// The tiers, in the order of ``tierShares``.
    public static let tiers: [Tier] = [.gold, .silver, .bronze]

    /// Worlds the players are spread over.
    public var worlds: Int { max(1, (players + playersPerWorld - 1) / max(playersPerWorld, 1)) }

    /// Players on `tier` (the rounding remainder goes to bronze).
    public func players(on tier: Tier) -> Int {
        let gold = Int((Double(players) * tierShares[0]).rounded())
        let silver = Int((Double(players) * tierShares[1]).rounded())
        switch tier {
        case .gold: return gold
        case .silver: return silver
        default: return max(0, players - gold - silver)
        }
    }

    /// GPU instances serving `tier`: enough for its players at the target utilisation, at least one.
    public func instances(on tier: Tier) -> Int {
        max(1, (players(on: tier) + playersPerInstance - 1) / max(playersPerInstance, 1))
    }

    /// Story events per second over all players.
    public var storyEventsPerSecond: Double { Double(players) * storyEventsPerPlayerPerMinute / 60 }

    /// Metric samples per second over all instances.
    public var metricSamplesPerSecond: Double {
        Double(Self.tiers.map { instances(on: $0) }.reduce(0, +)) / sampleIntervalSeconds
    }

    /// What is wrong with these settings, one sentence each naming the setting; empty when they can run.
    public var problems: [String] {
        var problems: [String] = []
        if players < 1 { problems.append("players must be at least 1, got \(players)") }
        if !(storyEventsPerPlayerPerMinute >= 0 && storyEventsPerPlayerPerMinute <= 600) {
            problems.append("story events per player per minute must be 0 to 600, got \(storyEventsPerPlayerPerMinute)")
        }
        if playersPerWorld < 1 { problems.append("players per world must be at least 1, got \(playersPerWorld)") }
        if playersPerInstance < 1 { problems.append("players per instance must be at least 1, got \(playersPerInstance)") }
        if !(sampleIntervalSeconds >= 0.1 && sampleIntervalSeconds <= 3_600) {
            problems.append("sample interval must be 0.1 to 3600 seconds, got \(sampleIntervalSeconds)")
        }
        if tierShares.count != 3 || tierShares.contains(where: { !($0 >= 0) }) || abs(tierShares.reduce(0, +) - 1) > 1e-6 {
            problems.append("tier shares must be three non-negative numbers (gold, silver, bronze) summing to 1, got \(tierShares)")
        }
        return problems
    }
}

import AnnalsEvents

/// The fleet behind a generated trace: each tier's ``TierLoadModel`` and how the recording fleet was sized.
///
/// Defaults: half the players on gold (0.12 requests/s each), 30% on silver (0.10/s), 20% on bronze (0.04/s);
/// every instance serves 20 requests/s. At 10,000 players the queue-depth target then asks for 48 gold, 24 silver
/// and 7 bronze instances: the capacity plan's ceilings (50, 30, 8) with a little room.
///
/// The samples were "recorded" on a fleet sized each minute for the highest load of the minute
/// `recordingLagMinutes` earlier at `sizingUtilization`, clamped to 1...maxInstances. With no lag (the default)
/// the fleet keeps up and no backlog forms, so the queue and GPU sums measure demand whatever the fleet's size;
/// with a lag (the spike trace) a sudden rise saturates the fleet, builds a backlog and breaches the latency
/// safeguard, as a reactive fleet would.
public struct LoadModel: Sendable, Equatable, Codable {
    public var gold: TierLoadModel
    public var silver: TierLoadModel
    public var bronze: TierLoadModel
    /// Minutes the recording fleet lags the load.
    public var recordingLagMinutes: Int
    /// Utilisation the recording fleet is sized for.
    public var sizingUtilization: Double
    /// Largest per-sample deviation of an instance's load from the tier's, as a share (0.06 = ±6%).
    public var jitter: Double

    public init(
        gold: TierLoadModel = .init(playerShare: 0.5, requestsPerPlayerPerSecond: 0.12, maxInstances: 50),
        silver: TierLoadModel = .init(playerShare: 0.3, requestsPerPlayerPerSecond: 0.10, maxInstances: 30),
        bronze: TierLoadModel = .init(playerShare: 0.2, requestsPerPlayerPerSecond: 0.04, maxInstances: 8),
        recordingLagMinutes: Int = 0, sizingUtilization: Double = 0.7, jitter: Double = 0.06
    ) {
        self.gold = gold
        self.silver = silver
        self.bronze = bronze
        self.recordingLagMinutes = recordingLagMinutes
        self.sizingUtilization = sizingUtilization
        self.jitter = jitter
    }

    /// The model of `tier`; bronze's for an unknown tier.
    public subscript(tier: Tier) -> TierLoadModel {
        switch tier {
        case .gold: gold
        case .silver: silver
        default: bronze
        }
    }
}

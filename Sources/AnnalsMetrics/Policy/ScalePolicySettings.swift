import AnnalsEvents

/// Every number of the autoscaling policy. The defaults are the capacity plan's; see each property for why.
///
/// Decodes from JSON or YAML with any subset of keys: the missing ones keep their defaults, so a backtest can
/// change one number. ``problems`` lists values the policy cannot honour; the policy itself never traps on them
/// (it runs on ``clamped``).
public struct ScalePolicySettings: Sendable, Equatable, Codable {
    /// Gold: 1...50 instances.
    public var gold: TierScaleSettings
    /// Silver: 1...30 instances.
    public var silver: TierScaleSettings
    /// Bronze: 1...8 instances.
    public var bronze: TierScaleSettings
    /// A metric within this fraction of its target proposes no change (HPA's default 0.10), so noise around the
    /// target does not move capacity.
    public var tolerance: Double
    /// Most a tier grows in one minute: HPA's default scale-up policy, the larger of +100% and +4 instances.
    public var scaleOutLimit: ScaleStep
    /// The least a latency breach adds: +20% or +1, whichever is more. Big enough that a sustained breach doubles
    /// capacity in about four minutes, small enough that one noisy P95 does not double the bill for the 15 minutes
    /// the scale-in window then holds it.
    public var latencyStep: ScaleStep
    /// Scale in only when every recommendation of this many minutes (the closing one included) was below the
    /// current capacity, and then to the highest of them: HPA's scale-down stabilisation window, 15 minutes here
    /// because GPU instances take minutes to boot and load models, so capacity given back early is slow to regain.
    public var scaleInWindowMinutes: Int
    /// Missing data: a minute without samples repeats the last recommendation while the tier's last samples are
    /// fewer than this many minutes old (instances that sample less than once a minute); from then on the minute
    /// holds the current capacity and blocks scale-in until a whole window of minutes has samples again.
    public var missingDataMinutes: Int
    /// Share of the desired capacity run on spot instances (rounded down), the rest on demand: 0.8.
    public var spotShare: Double
    /// On-demand instances every tier keeps, whatever the spot share, so a spot reclaim never empties a tier: 1.
    public var minOnDemand: Int
    /// How long an instance's spot interruption notice is remembered, so the samples it keeps sending during its
    /// two-minute notice ask for one replacement, not one each: 10 minutes.
    public var spotNoticeMemoryMinutes: Int
    /// A minute closes (and the policy decides on it) when the tier's newest sample is at least this many seconds
    /// past the minute's end. 0: the first sample of a later minute closes it, so scale-out reacts within a minute;
    /// raise it when instances' clocks or publishing paths disagree by seconds, so stragglers still count.
    public var allowedLatenessSeconds: Int

    public init(
        gold: TierScaleSettings = .init(minInstances: 1, maxInstances: 50),
        silver: TierScaleSettings = .init(minInstances: 1, maxInstances: 30),
        bronze: TierScaleSettings = .init(minInstances: 1, maxInstances: 8),
        tolerance: Double = 0.10,
        scaleOutLimit: ScaleStep = .init(fraction: 1.0, instances: 4),
        latencyStep: ScaleStep = .init(fraction: 0.2, instances: 1),
        scaleInWindowMinutes: Int = 15,
        missingDataMinutes: Int = 3,
        spotShare: Double = 0.8,
        minOnDemand: Int = 1,
        spotNoticeMemoryMinutes: Int = 10,
        allowedLatenessSeconds: Int = 0
    ) {
        self.gold = gold
        self.silver = silver
        self.bronze = bronze
        self.tolerance = tolerance
        self.scaleOutLimit = scaleOutLimit
        self.latencyStep = latencyStep
        self.scaleInWindowMinutes = scaleInWindowMinutes
        self.missingDataMinutes = missingDataMinutes
        self.spotShare = spotShare
        self.minOnDemand = minOnDemand
        self.spotNoticeMemoryMinutes = spotNoticeMemoryMinutes
        self.allowedLatenessSeconds = allowedLatenessSeconds
    }

    /// The settings of `tier`; bronze's for an unknown tier.
    public subscript(tier: Tier) -> TierScaleSettings {
        get {
            switch tier {
            case .gold: gold
            case .silver: silver
            default: bronze
            }
        }
        set {
            switch tier {
            case .gold: gold = newValue
            case .silver: silver = newValue
            default: bronze = newValue
            }
        }
    }

    /// The spot/on-demand split of `capacity` instances.
    public func split(_ capacity: Int) -> CapacitySplit {
        CapacitySplit(capacity: capacity, spotShare: spotShare, minOnDemand: minOnDemand)
    }

    private enum CodingKeys: String, CodingKey {
        case gold, silver, bronze, tolerance, scaleOutLimit, latencyStep, scaleInWindowMinutes, missingDataMinutes
        case spotShare, minOnDemand, spotNoticeMemoryMinutes, allowedLatenessSeconds
    }

    /// Missing keys, at any depth, keep the defaults.
    public init(from decoder: any Decoder) throws {
        let d = ScalePolicySettings()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func tier(_ key: CodingKeys, _ defaults: TierScaleSettings) throws -> TierScaleSettings {
            guard c.contains(key) else { return defaults }
            return try TierScaleSettings(from: c.superDecoder(forKey: key), defaults: defaults)
        }
        func step(_ key: CodingKeys, _ defaults: ScaleStep) throws -> ScaleStep {
            guard c.contains(key) else { return defaults }
            let nested = try c.superDecoder(forKey: key).container(keyedBy: ScaleStepKeys.self)
            return ScaleStep(
                fraction: try nested.decodeIfPresent(Double.self, forKey: .fraction) ?? defaults.fraction,
                instances: try nested.decodeIfPresent(Int.self, forKey: .instances) ?? defaults.instances)
        }
        gold = try tier(.gold, d.gold)
        silver = try tier(.silver, d.silver)
        bronze = try tier(.bronze, d.bronze)
        tolerance = try c.decodeIfPresent(Double.self, forKey: .tolerance) ?? d.tolerance
        scaleOutLimit = try step(.scaleOutLimit, d.scaleOutLimit)
        latencyStep = try step(.latencyStep, d.latencyStep)
        scaleInWindowMinutes = try c.decodeIfPresent(Int.self, forKey: .scaleInWindowMinutes) ?? d.scaleInWindowMinutes
        missingDataMinutes = try c.decodeIfPresent(Int.self, forKey: .missingDataMinutes) ?? d.missingDataMinutes
        spotShare = try c.decodeIfPresent(Double.self, forKey: .spotShare) ?? d.spotShare
        minOnDemand = try c.decodeIfPresent(Int.self, forKey: .minOnDemand) ?? d.minOnDemand
        spotNoticeMemoryMinutes = try c.decodeIfPresent(Int.self, forKey: .spotNoticeMemoryMinutes) ?? d.spotNoticeMemoryMinutes
        allowedLatenessSeconds = try c.decodeIfPresent(Int.self, forKey: .allowedLatenessSeconds) ?? d.allowedLatenessSeconds
    }

    private enum ScaleStepKeys: String, CodingKey { case fraction, instances }
}

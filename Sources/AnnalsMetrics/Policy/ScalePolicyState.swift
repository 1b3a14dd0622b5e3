/// Everything a tier's policy remembers between minutes: a plain value a worker stores with its checkpoint and
/// restores with ``ScalePolicy/init(tier:settings:restoring:)``, so a restarted worker decides exactly as one that
/// never stopped.
public struct ScalePolicyState: Sendable, Equatable, Codable {
    /// The tier's capacity as the policy last set it.
    public var capacity: Int
    /// The last minute decided on.
    public var lastMinute: Minute?
    /// The recommendation of `lastMinute`, carried over short gaps.
    public var lastRecommendation: Int?
    /// One per minute of the scale-in window, oldest first, ending at `lastMinute`.
    public var recommendations: [MinuteRecommendation]
    /// Instances whose spot interruption notice has been answered, by instance id in byte order.
    public var noticedInstances: [NoticedInstance]

    /// A tier at `capacity` that has seen nothing yet.
    public init(capacity: Int) {
        self.capacity = capacity
        lastMinute = nil
        lastRecommendation = nil
        recommendations = []
        noticedInstances = []
    }
}

/// The instances a minute recommended, as the scale-in window keeps it.
public struct MinuteRecommendation: Sendable, Equatable, Codable {
    public var minute: Minute
    public var instances: Int
    /// The tier had no recent samples: the minute holds the capacity and blocks scale-in.
    public var missing: Bool

    public init(minute: Minute, instances: Int, missing: Bool) {
        self.minute = minute
        self.instances = instances
        self.missing = missing
    }
}

/// An instance whose spot interruption notice was answered, and when.
public struct NoticedInstance: Sendable, Equatable, Codable {
    public var instanceID: String
    public var minute: Minute

    public init(instanceID: String, minute: Minute) {
        self.instanceID = instanceID
        self.minute = minute
    }
}

/// Sets the capacity of the thing that runs a tier (an ECS service, an EC2 Auto Scaling group, or nothing at all
/// for a dry run).
public protocol Actuator: Sendable {
    /// Short name recorded with every attempt: `dry-run`, `ecs`, `asg`.
    var name: String { get }
    /// What runs `tier`, or nil when this actuator has no target for it (its decisions are then not actuated).
    func target(forTier tier: String) -> ActuationTarget?
    /// Asks the target to run `request.desired` instances; returns a one-line summary of the answer.
    /// Throws when the target did not confirm: `ActuationFailure.kind` says whether trying again may help.
    func setDesiredCapacity(_ request: ActuationRequest) async throws(ActuationFailure) -> String
    /// How long after a call starts its request may still reach the target: a worker taking over from a leader cut
    /// off mid-call waits this long before setting every target again, so that its own calls land last.
    var longestCall: Duration { get }
}

/// What an actuator acts on for one tier.
public struct ActuationTarget: Hashable, Sendable, CustomStringConvertible {
    /// The actuator's name (`ecs`, `asg`, `dry-run`).
    public var actuator: String
    /// The resource, e.g. `cluster/service` for ECS or the group name for EC2 Auto Scaling.
    public var resource: String

    public init(actuator: String, resource: String) {
        self.actuator = actuator
        self.resource = resource
    }

    public var description: String { "\(actuator):\(resource)" }
}

/// One decision to carry out on one target.
public struct ActuationRequest: Hashable, Sendable, CustomStringConvertible {
    public var tier: String
    public var target: ActuationTarget
    /// The decision being carried out.
    public var stamp: DecisionStamp
    public var desired: Int
    public var desiredSpot: Int
    public var desiredOnDemand: Int

    public init(tier: String, target: ActuationTarget, stamp: DecisionStamp, desired: Int, desiredSpot: Int, desiredOnDemand: Int) {
        self.tier = tier
        self.target = target
        self.stamp = stamp
        self.desired = desired
        self.desiredSpot = desiredSpot
        self.desiredOnDemand = desiredOnDemand
    }

    public var description: String { "\(tier) → \(desired) on \(target) (decision \(stamp.decisionID))" }
}

/// Why an actuator could not set a capacity; the message says what failed and what to do.
public struct ActuationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// Whether the same request may succeed later as it is.
    public enum Kind: String, Sendable {
        /// Throttled, timed out, unreachable or a server error: retried with backoff.
        case transient
        /// Refused (unknown service, denied, invalid): retried only at the longest backoff, since the settings or the
        /// target must change first.
        case rejected
    }

    public var kind: Kind
    /// What failed and what to do; never holds a secret.
    public var message: String
    /// The service's error code, e.g. `ThrottlingException`, when it sent one.
    public var code: String?
    /// The HTTP status, when there was a response.
    public var status: Int?

    public init(_ kind: Kind, _ message: String, code: String? = nil, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.status = status
    }

    public var description: String { message }
}

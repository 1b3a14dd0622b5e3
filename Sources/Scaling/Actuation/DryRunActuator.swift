import Logging

/// The default actuator: changes nothing, logs and records what it would have done, for every tier.
public struct DryRunActuator: Actuator {
    public let name = "dry-run"
    /// Nothing is called, so nothing can land late.
    public let longestCall: Duration = .zero
    private let logger: Logger

    public init(logger: Logger = Logger(label: "annals.scaling.dry-run")) {
        self.logger = logger
    }

    public func target(forTier tier: String) -> ActuationTarget? {
        ActuationTarget(actuator: name, resource: tier)
    }

    public func setDesiredCapacity(_ request: ActuationRequest) async throws(ActuationFailure) -> String {
        let summary = "dry run: would set \(request.tier) to \(request.desired) "
            + "(\(request.desiredSpot) spot, \(request.desiredOnDemand) on-demand)"
        logger.info("\(summary)", metadata: ["decision": "\(request.stamp.decisionID)"])
        return summary
    }
}

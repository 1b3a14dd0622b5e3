import AWSSupport
import Scaling

/// Sets a tier's EC2 Auto Scaling group's desired capacity with `SetDesiredCapacity` (Query protocol), one group
/// per tier. The group's own mixed-instances policy decides the spot/on-demand split.
public struct AutoScalingActuator: Actuator {
    public let name = "asg"
    /// Group name by tier.
    public let groups: [String: String]
    private let client: AWSServiceClient

    /// An actuator for `groups` (by tier), calling `client` (signing name `autoscaling`).
    public init(groups: [String: String], client: AWSServiceClient) {
        self.groups = groups
        self.client = client
    }

    public var longestCall: Duration { client.longestCall }

    public func target(forTier tier: String) -> ActuationTarget? {
        groups[tier].map { ActuationTarget(actuator: name, resource: $0) }
    }

    public func setDesiredCapacity(_ request: ActuationRequest) async throws(ActuationFailure) -> String {
        guard let group = groups[request.tier] else {
            throw ActuationFailure(.rejected, "no Auto Scaling group for tier \(request.tier): add --asg \(request.tier)=<group>")
        }
        let operation = "EC2 Auto Scaling SetDesiredCapacity for \(request.tier) (group \(group))"
        let response = try await client.actuate(
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Self.setDesiredCapacityBody(group: group, desiredCapacity: request.desired),
            operation: operation)
        guard (200..<300).contains(response.status) else {
            let failure = AWSErrorResponse(response).failure(
                operation: operation,
                advice: "check --asg \(request.tier)=\(group), that the group exists in region \(client.region), "
                    + "and that \(request.desired) is within its minimum and maximum size",
                credentialAdvice: client.credentials.credentialAdvice)
            throw ActuationFailure(failure)
        }
        let text = String(decoding: response.body, as: UTF8.self)
        return "group \(group) desiredCapacity=\(request.desired) accepted"
            + (AWSErrorResponse.element("RequestId", in: text).map { " (request \($0))" } ?? "")
    }

    /// `Action=SetDesiredCapacity&AutoScalingGroupName=…&DesiredCapacity=…&Version=2011-01-01`.
    static func setDesiredCapacityBody(group: String, desiredCapacity: Int) -> [UInt8] {
        let fields = [
            ("Action", "SetDesiredCapacity"), ("AutoScalingGroupName", group),
            ("DesiredCapacity", String(desiredCapacity)), ("Version", "2011-01-01"),
        ]
        return Array(fields.map { "\(AWSSigV4.uriEncode($0.0))=\(AWSSigV4.uriEncode($0.1))" }.joined(separator: "&").utf8)
    }
}

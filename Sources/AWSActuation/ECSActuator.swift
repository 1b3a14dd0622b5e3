import AWSSupport
import Foundation
import Scaling

/// Sets a tier's ECS service's desired task count with `UpdateService` (JSON 1.1 protocol), one service per tier in
/// one cluster.
public struct ECSActuator: Actuator {
    public let name = "ecs"
    public let cluster: String
    /// Service name by tier.
    public let services: [String: String]
    private let client: AWSServiceClient

    /// An actuator for `services` (by tier) in `cluster`, calling `client` (signing name `ecs`).
    public init(cluster: String, services: [String: String], client: AWSServiceClient) {
        self.cluster = cluster
        self.services = services
        self.client = client
    }

    public var longestCall: Duration { client.longestCall }

    public func target(forTier tier: String) -> ActuationTarget? {
        services[tier].map { ActuationTarget(actuator: name, resource: "\(cluster)/\($0)") }
    }

    public func setDesiredCapacity(_ request: ActuationRequest) async throws(ActuationFailure) -> String {
        guard let service = services[request.tier] else {
            throw ActuationFailure(.rejected, "no ECS service for tier \(request.tier): add --ecs-service \(request.tier)=<service>")
        }
        let operation = "ECS UpdateService for \(request.tier) (cluster \(cluster), service \(service))"
        let response = try await client.actuate(
            headers: [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.UpdateService"),
            ],
            body: Self.updateServiceBody(cluster: cluster, service: service, desiredCount: request.desired),
            operation: operation)
        guard (200..<300).contains(response.status) else {
            let failure = AWSErrorResponse(response).failure(
                operation: operation,
                advice: "check --ecs-cluster \(cluster) and --ecs-service \(request.tier)=\(service), "
                    + "and that the service exists and is ACTIVE in region \(client.region)",
                credentialAdvice: client.credentials.credentialAdvice)
            throw ActuationFailure(failure)
        }
        return try Self.summary(of: response.body, operation: operation)
    }

    /// `{"cluster":…,"desiredCount":…,"service":…}`.
    static func updateServiceBody(cluster: String, service: String, desiredCount: Int) -> [UInt8] {
        struct Body: Encodable {
            var cluster: String
            var service: String
            var desiredCount: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Two strings and an integer always encode.
        return (try? Array(encoder.encode(Body(cluster: cluster, service: service, desiredCount: desiredCount)))) ?? []
    }

    /// `service <arn> desiredCount=N runningCount=M status=ACTIVE` from an UpdateService response.
    static func summary(of body: [UInt8], operation: String) throws(ActuationFailure) -> String {
        struct Response: Decodable {
            struct Service: Decodable {
                var serviceArn: String?
                var serviceName: String?
                var desiredCount: Int?
                var runningCount: Int?
                var status: String?
            }
            var service: Service?
        }
        guard let service = (try? JSONDecoder().decode(Response.self, from: Data(body)))?.service else {
            throw ActuationFailure(.transient, "\(operation): the response is not an UpdateService result: "
                + String(decoding: body.prefix(200), as: UTF8.self))
        }
        return "service \(service.serviceArn ?? service.serviceName ?? "?")"
            + " desiredCount=\(service.desiredCount.map(String.init) ?? "?")"
            + " runningCount=\(service.runningCount.map(String.init) ?? "?")"
            + " status=\(service.status ?? "?")"
    }
}

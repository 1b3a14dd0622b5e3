import AWSActuation
import AWSSupport
import ArgumentParser
import Foundation
import Logging
import Scaling

/// Which actuator carries out the scaling decisions.
enum ActuatorKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    case dryRun = "dry-run"
    case ecs
    case asg
}

/// The actuator and its AWS settings: flags, then the environment (AWS_REGION, AWS_ENDPOINT_URL and the credential
/// variables). Credentials come only from the environment: AWS_ACCESS_KEY_ID and its companions, else the ECS task
/// role through the container credentials endpoint.
struct ActuatorOptions: ParsableArguments {
    /// The environment variables standing for these options (see `WorkerCommand`).
    static let environmentVariables = AWSClientSettings.environmentVariables

    @Option(help: ArgumentHelp(
        "dry-run (log and record what would be done), ecs (UpdateService) or asg (SetDesiredCapacity).",
        discussion: "AWS credentials come from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN "
            + "if AWS_ACCESS_KEY_ID is set; otherwise the ECS task role, fetched from the container credentials endpoint "
            + "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, set by ECS, or AWS_CONTAINER_CREDENTIALS_FULL_URI, with "
            + "AWS_CONTAINER_AUTHORIZATION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE if it needs one) and renewed "
            + "\(AWSCredentialsProvider.renewalLeadMinutes) minutes before they expire."))
    var actuator: ActuatorKind = .dryRun

    @Option(help: "AWS region (default: $AWS_REGION, else $AWS_DEFAULT_REGION).")
    var awsRegion: String?

    @Option(help: ArgumentHelp(
        "AWS endpoint for every call, e.g. a local emulator http://127.0.0.1:5000 (default: $AWS_ENDPOINT_URL, else the region's).",
        valueName: "url"))
    var awsEndpoint: String?

    @Option(help: "ECS cluster of the tiers' services (--actuator ecs).")
    var ecsCluster: String?

    @Option(name: .customLong("ecs-service"), help: ArgumentHelp(
        "The ECS service running a tier, e.g. --ecs-service gold=annals-gold (repeatable, --actuator ecs).",
        valueName: "tier=service"))
    var ecsServices: [String] = []

    @Option(name: .customLong("asg"), help: ArgumentHelp(
        "The EC2 Auto Scaling group running a tier, e.g. --asg gold=annals-gold (repeatable, --actuator asg).",
        valueName: "tier=group"))
    var autoScalingGroups: [String] = []

    @Option(help: "Longest wait, in milliseconds, for one AWS call (and for one fetch of task role credentials).")
    var awsTimeoutMs = 10_000

    @Option(help: "Longest time, in milliseconds, between two looks at scaling.capacity (a committed batch looks at once).")
    var actuationPollMs = 1_000

    @Option(help: "Wait, in milliseconds, before the first retry of a failed call; it doubles with each failure.")
    var retryInitialMs = 500

    @Option(help: "Longest wait, in milliseconds, between retries (and the wait after a refused call).")
    var retryMaxMs = 30_000

    /// The loop's pacing.
    func actuationSettings() throws -> ActuationSettings {
        for (name, value) in [("--actuation-poll-ms", actuationPollMs), ("--retry-initial-ms", retryInitialMs),
                              ("--retry-max-ms", retryMaxMs), ("--aws-timeout-ms", awsTimeoutMs)] where value <= 0 {
            throw CLIError("\(name) \(value): must be 1 or more")
        }
        guard retryMaxMs >= retryInitialMs else {
            throw CLIError("--retry-max-ms \(retryMaxMs) is below --retry-initial-ms \(retryInitialMs): raise it")
        }
        return ActuationSettings(poll: .milliseconds(actuationPollMs),
                                 retry: RetrySchedule(initial: .milliseconds(retryInitialMs), maximum: .milliseconds(retryMaxMs)))
    }

    /// The actuator these settings describe, and a printable summary of them (secrets redacted).
    func makeActuator(environment: [String: String] = ProcessInfo.processInfo.environment,
                      logger: Logger) throws -> (actuator: any Actuator, summary: Logger.Metadata) {
        let services = try parseTargets(ecsServices, option: "--ecs-service")
        let groups = try parseTargets(autoScalingGroups, option: "--asg")
        switch actuator {
        case .dryRun:
            try refuse(!services.isEmpty || ecsCluster != nil, "--ecs-cluster and --ecs-service", for: .ecs)
            try refuse(!groups.isEmpty, "--asg", for: .asg)
            return (DryRunActuator(logger: logger), ["actuator": "dry-run"])
        case .ecs:
            try refuse(!groups.isEmpty, "--asg", for: .asg)
            guard let cluster = ecsCluster?.trimmingCharacters(in: .whitespaces), !cluster.isEmpty else {
                throw CLIError("--actuator ecs needs --ecs-cluster: the cluster the tiers' services run in")
            }
            guard !services.isEmpty else {
                throw CLIError("--actuator ecs needs at least one --ecs-service tier=service, e.g. --ecs-service gold=annals-gold")
            }
            let (client, summary) = try awsClient(service: "ecs", environment: environment, logger: logger)
            var metadata = summary
            metadata["actuator"] = "ecs"
            metadata["ecs-cluster"] = "\(cluster)"
            metadata["targets"] = "\(Self.describe(services))"
            return (ECSActuator(cluster: cluster, services: services, client: client), metadata)
        case .asg:
            try refuse(!services.isEmpty || ecsCluster != nil, "--ecs-cluster and --ecs-service", for: .ecs)
            guard !groups.isEmpty else {
                throw CLIError("--actuator asg needs at least one --asg tier=group, e.g. --asg gold=annals-gold")
            }
            let (client, summary) = try awsClient(service: "autoscaling", environment: environment, logger: logger)
            var metadata = summary
            metadata["actuator"] = "asg"
            metadata["targets"] = "\(Self.describe(groups))"
            return (AutoScalingActuator(groups: groups, client: client), metadata)
        }
    }

    private func parseTargets(_ values: [String], option: String) throws -> [String: String] {
        do {
            return try TierTargets.parse(values, option: option)
        } catch {
            throw CLIError("\(error)")
        }
    }

    private func refuse(_ given: Bool, _ options: String, for kind: ActuatorKind) throws {
        guard given else { return }
        throw CLIError("\(options) only apply to --actuator \(kind.rawValue), but this worker runs --actuator \(actuator.rawValue): "
            + "drop them or pass --actuator \(kind.rawValue)")
    }

    private func awsClient(service: String, environment: [String: String],
                           logger: Logger) throws -> (AWSServiceClient, Logger.Metadata) {
        let settings = AWSClientSettings(region: awsRegion, endpoint: awsEndpoint, timeout: .milliseconds(awsTimeoutMs))
        do throws(AWSSettingsError) {
            var (client, summary) = try settings.client(endpointPrefix: service, signingName: service,
                                                        userAgent: "annals-scaling-worker", environment: environment, logger: logger)
            summary["aws-timeout-ms"] = "\(awsTimeoutMs)"
            return (client, summary)
        } catch .missingCredentials(let names) {
            throw CLIError("\(AWSSettingsError.missingCredentials(names)), or use --actuator dry-run")
        } catch {
            throw CLIError("\(error)")
        }
    }

    private static func describe(_ targets: [String: String]) -> String {
        targets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

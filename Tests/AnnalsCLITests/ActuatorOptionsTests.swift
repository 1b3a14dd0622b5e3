@testable import AnnalsCLI
import AWSActuation
import AWSSupport
import Logging
import Scaling
import Testing

/// `annals-scaling-worker`'s actuation options: defaults, the environment, and combinations that cannot work.
@Suite struct ActuatorOptionsTests {
    static let credentials = ["AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]
    static let ecs = ["--actuator", "ecs", "--ecs-cluster", "annals", "--ecs-service", "gold=game-gold", "--aws-region", "eu-west-1"]

    static func actuator(_ arguments: [String], environment: [String: String] = credentials) throws -> (any Actuator, Logger.Metadata) {
        try ActuatorOptions.parse(arguments).makeActuator(environment: environment, logger: Logger(label: "test"))
    }

    static func message(_ arguments: [String], environment: [String: String] = credentials) -> String {
        do {
            _ = try actuator(arguments, environment: environment)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func withNothingGivenItIsADryRunOfEveryTier() throws {
        let (actuator, summary) = try Self.actuator([], environment: [:])
        #expect(actuator is DryRunActuator)
        #expect(actuator.target(forTier: "bronze")?.description == "dry-run:bronze")
        #expect(summary["actuator"] == "dry-run")
        let settings = try ActuatorOptions.parse([]).actuationSettings()
        #expect(settings == ActuationSettings(poll: .seconds(1), retry: RetrySchedule(initial: .milliseconds(500), maximum: .seconds(30))))
    }

    @Test func ecsTargetsTheTiersServicesInTheCluster() throws {
        let (actuator, summary) = try Self.actuator(Self.ecs + ["--ecs-service", "silver=game-silver"])
        let ecs = try #require(actuator as? ECSActuator)
        #expect(ecs.target(forTier: "gold")?.description == "ecs:annals/game-gold")
        #expect(ecs.target(forTier: "silver")?.description == "ecs:annals/game-silver")
        #expect(ecs.target(forTier: "bronze") == nil)
        #expect(summary["aws-endpoint"] == "https://ecs.eu-west-1.amazonaws.com/")
        #expect(summary["targets"] == "gold=game-gold silver=game-silver")
        let printed = summary.values.map { "\($0)" }.joined(separator: " ")
        #expect(!printed.contains("wJalrXUtnFEMI") && !printed.contains("AKIAIOSFODNN7"), "secrets are redacted: \(printed)")
    }

    @Test func regionAndEndpointComeFromTheEnvironmentWhenNotGiven() throws {
        var environment = Self.credentials
        environment["AWS_REGION"] = "us-west-2"
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566"
        let (actuator, summary) = try Self.actuator(["--actuator", "asg", "--asg", "gold=annals-gold"], environment: environment)
        #expect(actuator is AutoScalingActuator)
        #expect(summary["aws-region"] == "us-west-2")
        #expect(summary["aws-endpoint"] == "http://127.0.0.1:4566/")
        let (_, flagged) = try Self.actuator(["--actuator", "asg", "--asg", "gold=g", "--aws-region", "eu-north-1"], environment: environment)
        #expect(flagged["aws-region"] == "eu-north-1", "a flag beats the environment")
    }

    @Test(arguments: [
        (["--actuator", "ecs", "--ecs-service", "gold=s", "--aws-region", "us-east-1"], "--actuator ecs needs --ecs-cluster"),
        (["--actuator", "ecs", "--ecs-cluster", "c", "--aws-region", "us-east-1"], "--actuator ecs needs at least one --ecs-service"),
        (["--actuator", "ecs", "--ecs-cluster", "c", "--ecs-service", "platinum=s", "--aws-region", "us-east-1"],
         "--ecs-service platinum=s: unknown tier \"platinum\"; the tiers are gold, silver, bronze"),
        (["--actuator", "ecs", "--ecs-cluster", "c", "--ecs-service", "gold=s"], "no AWS region: pass --aws-region"),
        (["--actuator", "ecs", "--ecs-cluster", "c", "--ecs-service", "gold=s", "--aws-region", "US East"],
         "\"US East\" is not an AWS region name"),
        (["--actuator", "ecs", "--ecs-cluster", "c", "--ecs-service", "gold=s", "--aws-region", "us-east-1", "--aws-endpoint", "localhost:4566"],
         "--aws-endpoint localhost:4566: expected an http or https URL"),
        (["--actuator", "asg", "--asg", "gold=g", "--ecs-service", "gold=s", "--aws-region", "us-east-1"],
         "--ecs-cluster and --ecs-service only apply to --actuator ecs, but this worker runs --actuator asg"),
        (["--asg", "gold=g"], "--asg only apply to --actuator asg, but this worker runs --actuator dry-run"),
        (["--actuator", "asg", "--aws-region", "us-east-1"], "--actuator asg needs at least one --asg tier=group"),
    ])
    func settingsThatCannotWorkSayWhatToDo(arguments: [String], message: String) {
        #expect(Self.message(arguments).contains(message), "\(Self.message(arguments))")
    }

    @Test func missingCredentialsAreReportedAtStartUp() {
        let text = Self.message(Self.ecs, environment: ["AWS_ACCESS_KEY_ID": "AKID"])
        #expect(text.contains("AWS_SECRET_ACCESS_KEY is unset or empty"), "\(text)")
        #expect(text.contains("or use --actuator dry-run"))
    }

    @Test func retrySettingsMustBePositiveAndOrdered() {
        #expect(throws: CLIError.self) { try ActuatorOptions.parse(["--retry-initial-ms", "0"]).actuationSettings() }
        #expect(throws: CLIError.self) {
            try ActuatorOptions.parse(["--retry-initial-ms", "1000", "--retry-max-ms", "10"]).actuationSettings()
        }
    }
}

@testable import AnnalsCLI
import ArgumentParser
import AWSActuation
import AWSSupport
import Logging
import Testing

/// `annals-scaling-worker --actuator ecs|asg` in an ECS task with a task role and no access key.
@Suite struct TaskRoleCredentialsOptionsTests {
    static let ecs = ["--actuator", "ecs", "--ecs-cluster", "annals", "--ecs-service", "gold=game-gold", "--aws-region", "eu-west-1"]
    static let taskRole = ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/5c6b", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok-sekrit"]

    static func summary(_ arguments: [String], environment: [String: String]) throws -> [String: String] {
        let (_, metadata) = try ActuatorOptions.parse(arguments).makeActuator(environment: environment, logger: Logger(label: "test"))
        return metadata.mapValues { "\($0)" }
    }

    @Test func withoutAnAccessKeyTheTaskRoleIsUsedAndLoggedAsTheSource() throws {
        for arguments in [Self.ecs, ["--actuator", "asg", "--asg", "gold=annals-gold", "--aws-region", "eu-west-1"]] {
            let summary = try Self.summary(arguments, environment: Self.taskRole)
            let source = try #require(summary["aws-credentials"])
            #expect(source.hasPrefix("container credentials endpoint (task role): http://169.254.170.2/v2/credentials/5c6b"), "\(source)")
            #expect(!summary.values.joined().contains("tok-sekrit"))
        }
    }

    @Test func anAccessKeyInTheEnvironmentWins() throws {
        var environment = Self.taskRole
        environment["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE"
        environment["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        #expect(try Self.summary(Self.ecs, environment: environment)["aws-credentials"] == "environment: access key …MPLE, secret <redacted>")
    }

    @Test func unusableContainerSettingsAreReportedAtStartUp() {
        #expect(throws: CLIError.self) {
            try Self.summary(Self.ecs, environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.9/creds"])
        }
        do {
            _ = try Self.summary(Self.ecs, environment: [:])
        } catch {
            #expect("\(error)".contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), "\(error)")
        }
    }

    @Test func theHelpSaysWhereCredentialsComeFrom() {
        let help = ActuatorOptions.helpMessage(columns: 1000)
        #expect(help.contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), "\(help)")
        #expect(help.contains("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
    }
}

import AWSActuation
import AWSSupport
import AnnalsEvents
import Foundation
import Kafka
import Logging
import Postgres
import Projection
import Scaling
import Testing
import TestSupport

/// `annals-scaling-worker` against moto's emulation of ECS and EC2 Auto Scaling, with IAM signature checking switched
/// on: decisions in, scaling tables and the service's desired count out.
@Suite("Scaling worker", .timeLimit(.minutes(3)), .enabled(if: MotoServer.executable != nil, "moto[server] is not in the venv: run dev/setup"))
struct ScalingWorkerTests {
    static let logger: Logger = {
        var logger = Logger(label: "annals.e2e.scaling")
        logger.logLevel = .critical
        return logger
    }()

    /// An IAM user allowed to scale, an ECS cluster `annals` with service `game-gold` at 1 task, and (`asg`) an Auto
    /// Scaling group `annals-gold` at 1; then every later request must be signed by a key moto knows. Prints the key.
    static let setUpScript = """
        import boto3, json, os, sys, urllib.request
        endpoint = os.environ["MOTO_ENDPOINT"]
        setup = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIASETUP", aws_secret_access_key="setup")
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="annals-scaler")
        iam.put_user_policy(UserName="annals-scaler", PolicyName="scale", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
                "ecs:UpdateService", "ecs:DescribeServices",
                "autoscaling:SetDesiredCapacity", "autoscaling:DescribeAutoScalingGroups"]}]}))
        key = iam.create_access_key(UserName="annals-scaler")["AccessKey"]
        ecs = boto3.client("ecs", **setup)
        ecs.create_cluster(clusterName="annals")
        ecs.register_task_definition(family="game", containerDefinitions=[{"name": "game", "image": "game:1", "memory": 512}])
        ecs.create_service(cluster="annals", serviceName="game-gold", taskDefinition="game", desiredCount=1)
        if "asg" in sys.argv:
            autoscaling = boto3.client("autoscaling", **setup)
            autoscaling.create_launch_configuration(LaunchConfigurationName="game", ImageId="ami-12c6146b", InstanceType="g5.xlarge")
            autoscaling.create_auto_scaling_group(AutoScalingGroupName="annals-gold", LaunchConfigurationName="game",
                MinSize=0, MaxSize=20, DesiredCapacity=1, AvailabilityZones=["us-east-1a"])
        urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                                     headers={"Content-Type": "text/plain"}))
        print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
        """

    /// Prints the service's desired count and the group's desired capacity (or -1 without a group), signed by the key.
    static let describeScript = """
        import boto3, os
        signed = dict(endpoint_url=os.environ["MOTO_ENDPOINT"], region_name="us-east-1",
                      aws_access_key_id=os.environ["KEY_ID"], aws_secret_access_key=os.environ["KEY_SECRET"])
        service = boto3.client("ecs", **signed).describe_services(cluster="annals", services=["game-gold"])["services"][0]
        groups = boto3.client("autoscaling", **signed).describe_auto_scaling_groups(AutoScalingGroupNames=["annals-gold"])
        print(service["desiredCount"], groups["AutoScalingGroups"][0]["DesiredCapacity"] if groups["AutoScalingGroups"] else -1)
        """

    struct Key: Decodable {
        var id: String
        var secret: String
    }

    static func setUp(_ moto: MotoServer, asg: Bool = false) async throws -> Key {
        let output = try await moto.python(setUpScript, arguments: asg ? ["asg"] : [])
        return try JSONDecoder().decode(Key.self, from: Data(output.utf8))
    }

    static func describe(_ moto: MotoServer, _ key: Key) async throws -> (service: Int, group: Int) {
        let words = try await moto.python(describeScript, environment: ["KEY_ID": key.id, "KEY_SECRET": key.secret])
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard words.count == 2 else { throw TestSupportFailure("unexpected describe output \(words)") }
        return (words[0], words[1])
    }

    static func decision(_ id: String, desired: UInt32, second: Int64) throws -> KafkaRecord {
        var decision = ScaleDecision()
        decision.meta.eventID = "event-\(id)"
        decision.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + second)
        decision.decisionID = id
        decision.tier = .gold
        decision.currentCapacity = 1
        decision.desiredCapacity = desired
        decision.desiredSpot = desired
        decision.reason = "test"
        decision.policyVersion = "test-1"
        decision.decidedAt = EventTimestamp(seconds: 1_767_225_600 + second)
        return KafkaRecord(topic: "scale-decision", key: Array("gold".utf8), value: try decision.serializedBytes())
    }

    @Test func decisionsSetTheServicesDesiredCountOlderOnesNeverAndAnOutageIsRetriedUntilItConverges() async throws {
        let moto = try await MotoServer()
        let key = try await Self.setUp(moto)
        let kafka = try TestKafkaCluster(topics: ["scale-decision": 1])
        let database = try TestDatabase.create(prefix: "scaling_worker")
        defer { try? database.drop() }
        let producer = try KafkaProducer(config: kafka.config, logger: Self.logger)
        let worker = try ChildProcess.annals(
            "annals-scaling-worker",
            arguments: [
                "--brokers", kafka.bootstrapServers, "--database-url", database.url,
                "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=200",
                "--actuator", "ecs", "--aws-endpoint", moto.endpoint, "--aws-region", "us-east-1",
                "--ecs-cluster", "annals", "--ecs-service", "gold=game-gold",
                "--aws-timeout-ms", "500", "--retry-initial-ms", "100", "--retry-max-ms", "400", "--actuation-poll-ms", "200",
            ],
            environment: ["AWS_ACCESS_KEY_ID": key.id, "AWS_SECRET_ACCESS_KEY": key.secret],
            removingEnvironment: ["AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"])
        let db = try database.connect()
        func rows(_ sql: String) throws -> [PostgresRow] {
            let ready = try db.execute("SELECT to_regclass('scaling_actuation.attempts') IS NOT NULL AND to_regclass('scaling.decisions') IS NOT NULL AS ready")
            return try ready.rows.first?.bool("ready") == true ? db.execute(sql).rows : []
        }
        func outcomes(_ decision: String) throws -> [String] {
            try rows("SELECT outcome FROM scaling_actuation.attempts WHERE decision_id = '\(decision)' ORDER BY attempt")
                .map { try $0.string("outcome") }
        }
        func waitFor(_ description: String, _ condition: () throws -> Bool) async throws {
            try await waitUntil(timeout: .seconds(60), description: description) {
                if let status = worker.status() { throw TestSupportFailure("worker \(status): \(worker.logTail())") }
                return try condition()
            }
        }

        // The first decision is carried out.
        try await StoryEventGenerator.send([try Self.decision("gold-5", desired: 5, second: 100)], with: producer)
        try await waitFor("gold-5 applied") { try outcomes("gold-5") == ["ok"] }
        #expect(try await Self.describe(moto, key).service == 5)

        // An older decision is recorded as superseded and never sent; the next newer one is.
        try await StoryEventGenerator.send([try Self.decision("gold-2-older", desired: 2, second: 50)], with: producer)
        try await waitFor("the older decision projected") {
            try rows("SELECT superseded FROM scaling.decisions WHERE decision_id = 'gold-2-older'").first?.bool("superseded") == true
        }
        try await StoryEventGenerator.send([try Self.decision("gold-7", desired: 7, second: 200)], with: producer)
        try await waitFor("gold-7 applied") { try outcomes("gold-7") == ["ok"] }
        #expect(try outcomes("gold-2-older").isEmpty)
        #expect(try await Self.describe(moto, key).service == 7)

        // The endpoint hangs: attempts time out, are recorded as failed and retried; once it answers, the worker converges.
        try moto.pause()
        try await StoryEventGenerator.send([try Self.decision("gold-9", desired: 9, second: 300)], with: producer)
        try await waitFor("gold-9 failing at least twice") { try outcomes("gold-9").count >= 2 }
        try moto.resume()
        try await waitFor("gold-9 applied after the outage") { try outcomes("gold-9").last == "ok" }
        let attempts = try outcomes("gold-9")
        #expect(attempts.dropLast().allSatisfy { $0 == "failed" } && attempts.count >= 3, "\(attempts)")
        let failure = try #require(try rows("SELECT error_kind, error FROM scaling_actuation.attempts WHERE decision_id = 'gold-9' AND attempt = 1").first)
        #expect(try failure.string("error_kind") == "transient")
        #expect(try failure.string("error").contains("no response from http://127.0.0.1:\(moto.port)/ within"))
        #expect(try await Self.describe(moto, key).service == 9)

        let capacity = try #require(try rows("SELECT desired_capacity, decision_id FROM scaling.capacity WHERE tier = 'gold'").first)
        #expect(try capacity.int("desired_capacity") == 9)
        #expect(try rows("SELECT desired_capacity FROM scaling_actuation.applied WHERE tier = 'gold'").first?.int("desired_capacity") == 9)
        #expect(!worker.log().contains(key.secret), "the secret is never logged")

        try worker.kill(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == .exited(0), "\(worker.logTail())")

        // Replaying scale-decision rebuilds identical scaling tables and touches no actuation row.
        let projection = ScalingProjection()
        let before = try TableChecksum.checksums(of: projection, connection: db).map(\.checksum)
        let attemptsBefore = try rows("SELECT count(*) AS n FROM scaling_actuation.attempts").first?.int("n")
        _ = try ProjectionRebuild.inPlace(projection, kafka: kafka.consumerConfig, databaseURL: database.url,
                                          logger: Self.logger, progress: { _ in })
        #expect(try TableChecksum.checksums(of: projection, connection: db).map(\.checksum) == before)
        #expect(try rows("SELECT count(*) AS n FROM scaling_actuation.attempts").first?.int("n") == attemptsBefore)
    }

    @Test func theSignatureIsCheckedAndAWrongSecretIsRefusedWithAnAdvice() async throws {
        let moto = try await MotoServer()
        let key = try await Self.setUp(moto)
        func actuator(secret: String) throws -> ECSActuator {
            let signer = AWSSigV4(credentials: AWSCredentials(accessKeyID: key.id, secretAccessKey: secret), region: "us-east-1",
                                  service: "ecs")
            return ECSActuator(cluster: "annals", services: ["gold": "game-gold"],
                               client: AWSServiceClient(endpoint: try AWSEndpoint(parsing: moto.endpoint), signer: signer,
                                                        timeout: .seconds(10)))
        }
        let request = ActuationRequest(tier: "gold", target: ActuationTarget(actuator: "ecs", resource: "annals/game-gold"),
                                       stamp: DecisionStamp(decidedAt: 1, decisionID: "d"), desired: 4, desiredSpot: 4,
                                       desiredOnDemand: 0)
        await #expect {
            _ = try await actuator(secret: "not-the-secret").setDesiredCapacity(request)
        } throws: { error in
            guard let failure = error as? ActuationFailure else { return false }
            return failure.kind == .rejected && failure.code == "SignatureDoesNotMatch" && failure.status == 403
                && failure.message.contains("check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY")
        }
        let summary = try await actuator(secret: key.secret).setDesiredCapacity(request)
        #expect(summary.contains("desiredCount=4"))
        #expect(try await Self.describe(moto, key).service == 4)

        let missing = ECSActuator(cluster: "annals", services: ["gold": "no-such-service"],
                                  client: AWSServiceClient(endpoint: try AWSEndpoint(parsing: moto.endpoint),
                                                           signer: AWSSigV4(credentials: AWSCredentials(accessKeyID: key.id, secretAccessKey: key.secret),
                                                                            region: "us-east-1", service: "ecs"),
                                                           timeout: .seconds(10)))
        await #expect {
            _ = try await missing.setDesiredCapacity(request)
        } throws: { error in
            guard let failure = error as? ActuationFailure else { return false }
            return failure.kind == .rejected && failure.code == "ServiceNotFoundException"
                && failure.message.contains("check --ecs-cluster annals and --ecs-service gold=no-such-service")
        }
    }

    @Test func theAutoScalingActuatorSetsTheGroupsDesiredCapacity() async throws {
        let moto = try await MotoServer()
        let key = try await Self.setUp(moto, asg: true)
        let signer = AWSSigV4(credentials: AWSCredentials(accessKeyID: key.id, secretAccessKey: key.secret), region: "us-east-1",
                              service: "autoscaling")
        let actuator = AutoScalingActuator(groups: ["gold": "annals-gold"],
                                           client: AWSServiceClient(endpoint: try AWSEndpoint(parsing: moto.endpoint), signer: signer,
                                                                    timeout: .seconds(10)))
        let request = ActuationRequest(tier: "gold", target: try #require(actuator.target(forTier: "gold")),
                                       stamp: DecisionStamp(decidedAt: 1, decisionID: "d"), desired: 6, desiredSpot: 5,
                                       desiredOnDemand: 1)
        let summary = try await actuator.setDesiredCapacity(request)
        #expect(summary.hasPrefix("group annals-gold desiredCapacity=6 accepted"))
        #expect(try await Self.describe(moto, key).group == 6)
    }
}

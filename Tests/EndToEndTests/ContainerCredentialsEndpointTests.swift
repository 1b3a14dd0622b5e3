import AWSActuation
import AWSSupport
import Foundation
import Logging
import Scaling
import Testing
import TestSupport

/// A container credentials endpoint and a stand-in for ECS on 127.0.0.1, in a Python child process (the venv's, else
/// python3): `GET /creds/<kind>` serves credentials (`short`: expiring in 2 minutes, `long`: in an hour; `partial`
/// without Token; `garbage` not JSON; `denied` a 403), a new key at each fetch (`ASIATESTKEY0001` with `token-1`,
/// `…0002`, or the keys and tokens in `SERVED_KEYS`, the last one repeating); `POST /` records the signature and answers like UpdateService, or with
/// ExpiredTokenException for the keys in `REJECTED_KEYS`; `GET /log` returns what it saw.
final class CredentialsEndpointServer: Sendable {
    let process: ChildProcess
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    static let script = #"""
        import json, os, sys, threading, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        keys = json.loads(os.environ.get("SERVED_KEYS") or "[]")
        rejected = json.loads(os.environ.get("REJECTED_KEYS") or "[]")
        lock = threading.Lock()
        seen = {"fetches": [], "posts": []}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def reply(self, status, body, content_type="application/json"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def do_GET(self):
                if self.path == "/log":
                    with lock:
                        return self.reply(200, json.dumps(seen))
                kind = self.path.rsplit("/", 1)[-1]
                with lock:
                    seen["fetches"].append({"path": self.path, "authorization": self.headers.get("Authorization")})
                    n = len(seen["fetches"])
                if kind == "garbage":
                    return self.reply(200, "<html>not credentials</html>", "text/html")
                if kind == "denied":
                    return self.reply(403, json.dumps({"code": "AccessDenied", "message": "the authorization token does not match"}))
                key = keys[min(n, len(keys)) - 1] if keys else {"id": "ASIATESTKEY%04d" % n, "secret": "secret-%d" % n}
                lifetime = 120 if kind == "short" else 3600
                body = {"AccessKeyId": key["id"], "SecretAccessKey": key["secret"], "Token": key.get("token") or "token-%d" % n,
                        "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + lifetime))}
                if kind == "partial":
                    del body["Token"]
                self.reply(200, json.dumps(body))
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                authorization = self.headers.get("Authorization", "")
                with lock:
                    seen["posts"].append({"authorization": authorization, "token": self.headers.get("X-Amz-Security-Token")})
                if any("Credential=%s/" % key in authorization for key in rejected):
                    return self.reply(400, json.dumps({"__type": "ExpiredTokenException",
                                                       "message": "The security token included in the request is expired"}))
                self.reply(200, json.dumps({"service": {"serviceArn": "arn:aws:ecs:us-east-1:123:service/annals/game-gold",
                                                        "desiredCount": 3, "runningCount": 1, "status": "ACTIVE"}}))

        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """#

    static var python: String {
        let venv = MotoServer.venv + "/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }

    init(servedKeys: [(id: String, secret: String, token: String?)] = [], rejectedKeys: [String] = []) async throws {
        let path = ChildProcess.temporaryPath(name: "credentials-endpoint", suffix: ".py")
        try Self.script.write(toFile: path, atomically: true, encoding: .utf8)
        port = try LocalHTTP.freePort()
        let keys = servedKeys.map { ["id": $0.id, "secret": $0.secret, "token": $0.token ?? ""] }
        process = try ChildProcess(
            executable: Self.python, arguments: [path, String(port)],
            environment: ["SERVED_KEYS": String(decoding: try JSONEncoder().encode(keys), as: UTF8.self),
                          "REJECTED_KEYS": String(decoding: try JSONEncoder().encode(rejectedKeys), as: UTF8.self)])
        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(50), description: "the credentials endpoint on \(port)") {
            [process, port] in
            if let status = process.status() { throw TestSupportFailure("credentials endpoint \(status): \(process.logTail())") }
            return try await onOwnThread { try LocalHTTP.get(port: port, path: "/log") } != nil
        }
    }

    struct Seen: Decodable {
        struct Fetch: Decodable {
            var path: String
            var authorization: String?
        }
        struct Post: Decodable {
            var authorization: String
            var token: String?
        }
        var fetches: [Fetch]
        var posts: [Post]
    }

    func seen() async throws -> Seen {
        let port = port
        guard let (status, body) = try await onOwnThread({ try LocalHTTP.get(port: port, path: "/log") }), status == 200 else {
            throw TestSupportFailure("GET /log on the credentials endpoint failed")
        }
        return try JSONDecoder().decode(Seen.self, from: Data(body.utf8))
    }
}

/// The scaling worker's AWS client signing with the ECS task role's credentials: fetched from the container
/// credentials endpoint with its authorization token, cached, fetched again before they expire or once AWS refuses
/// them, and every signed request carrying the current key.
@Suite("Container credentials", .timeLimit(.minutes(3)))
struct ContainerCredentialsEndpointTests {
    static let logger: Logger = {
        var logger = Logger(label: "annals.e2e.container-credentials")
        logger.logLevel = .critical
        return logger
    }()

    static let request = ActuationRequest(
        tier: "gold", target: ActuationTarget(actuator: "ecs", resource: "annals/game-gold"),
        stamp: DecisionStamp(decidedAt: 1, decisionID: "d"), desired: 3, desiredSpot: 3, desiredOnDemand: 0)

    static func actuator(ecs: String, credentials: AWSCredentialsProvider) throws -> ECSActuator {
        ECSActuator(cluster: "annals", services: ["gold": "game-gold"],
                    client: AWSServiceClient(endpoint: try AWSEndpoint(parsing: ecs), region: "us-east-1", service: "ecs",
                                             credentials: credentials, timeout: .seconds(10)))
    }

    static func provider(_ environment: [String: String]) throws -> AWSCredentialsProvider {
        try AWSCredentialsProvider.fromEnvironment(environment, timeout: .seconds(5), logger: logger)
    }

    @Test func credentialsExpiringSoonAreFetchedAgainAndEachRequestIsSignedWithTheNewKey() async throws {
        let server = try await CredentialsEndpointServer()
        let tokenFile = ChildProcess.temporaryPath(name: "container-token", suffix: ".txt")
        try "Bearer file-token-1\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let credentials = try Self.provider([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/creds/short", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
        ])
        let actuator = try Self.actuator(ecs: server.base, credentials: credentials)
        #expect(try await actuator.setDesiredCapacity(Self.request).contains("desiredCount=3"))
        // The token file is read again at each fetch: a rotated token is used at once.
        try "Bearer file-token-2".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect(try await actuator.setDesiredCapacity(Self.request).contains("desiredCount=3"))

        let seen = try await server.seen()
        #expect(seen.fetches.map(\.authorization) == ["Bearer file-token-1", "Bearer file-token-2"])
        #expect(seen.fetches.map(\.path) == ["/creds/short", "/creds/short"])
        try #require(seen.posts.count == 2)
        #expect(seen.posts[0].authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIATESTKEY0001/"), "\(seen.posts[0])")
        #expect(seen.posts[1].authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIATESTKEY0002/"), "\(seen.posts[1])")
        #expect(seen.posts.map(\.token) == ["token-1", "token-2"])
    }

    @Test func credentialsWithTimeLeftAreCachedAndConcurrentRequestsShareOneFetch() async throws {
        let server = try await CredentialsEndpointServer()
        let credentials = try Self.provider([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/creds/long", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Basic abc123",
        ])
        let actuator = try Self.actuator(ecs: server.base, credentials: credentials)
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<5 { group.addTask { try await actuator.setDesiredCapacity(Self.request) } }
            try await group.waitForAll()
        }
        _ = try await actuator.setDesiredCapacity(Self.request)
        let seen = try await server.seen()
        #expect(seen.fetches.map(\.authorization) == ["Basic abc123"])
        #expect(seen.posts.count == 6)
        #expect(seen.posts.allSatisfy { $0.authorization.contains("Credential=ASIATESTKEY0001/") && $0.token == "token-1" })
    }

    @Test func aRequestRefusedForItsCredentialsIsSentAgainWithRenewedOnes() async throws {
        let server = try await CredentialsEndpointServer(rejectedKeys: ["ASIATESTKEY0001"])
        let credentials = try Self.provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/creds/long"])
        let actuator = try Self.actuator(ecs: server.base, credentials: credentials)
        #expect(try await actuator.setDesiredCapacity(Self.request).contains("desiredCount=3"))
        let seen = try await server.seen()
        #expect(seen.fetches.count == 2)
        #expect(seen.posts.map { $0.authorization.contains("Credential=ASIATESTKEY0001/") } == [true, false])
        #expect(seen.posts.last?.authorization.contains("Credential=ASIATESTKEY0002/") == true)
    }

    @Test(arguments: [
        ("/creds/garbage", ActuationFailure.Kind.rejected, "answered with 28 bytes that are not a JSON object"),
        ("/creds/partial", .rejected, "answered without Token in its JSON"),
        ("/creds/denied", .rejected, "answered HTTP 403 AccessDenied: the authorization token does not match: check the task role"),
    ])
    func aBadAnswerOfTheEndpointFailsTheCallSayingWhatIsWrong(path: String, kind: ActuationFailure.Kind, message: String) async throws {
        let server = try await CredentialsEndpointServer()
        let actuator = try Self.actuator(
            ecs: server.base, credentials: try Self.provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + path]))
        await #expect {
            _ = try await actuator.setDesiredCapacity(Self.request)
        } throws: { error in
            guard let failure = error as? ActuationFailure else { return false }
            return failure.kind == kind && failure.message.contains("AWS credentials: the container credentials endpoint "
                + "\(server.base)\(path) \(message)") && !failure.message.contains("secret-1")
        }
        #expect(try await server.seen().posts.isEmpty)
    }

    @Test func anUnreachableEndpointIsATransientFailureNamingIt() async throws {
        let port = try LocalHTTP.freePort()
        let actuator = try Self.actuator(
            ecs: "http://127.0.0.1:\(port)",
            credentials: try Self.provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(port)/creds"]))
        await #expect {
            _ = try await actuator.setDesiredCapacity(Self.request)
        } throws: { error in
            guard let failure = error as? ActuationFailure else { return false }
            return failure.kind == .transient
                && failure.message.contains("AWS credentials: cannot reach the container credentials endpoint http://127.0.0.1:\(port)/creds")
        }
    }

    /// The worker binary, with no access key but the container variables, logs the task role as its credential
    /// source, and never the authorization token.
    @Test func theWorkerLogsTheTaskRoleAsItsCredentialSourceAndNeverTheToken() async throws {
        let deadDatabase = try LocalHTTP.freePort()
        let deadBroker = try LocalHTTP.freePort()
        let process = try ChildProcess.annals(
            "annals-scaling-worker",
            arguments: ["--brokers", "127.0.0.1:\(deadBroker)", "--actuator", "ecs", "--aws-region", "eu-west-1",
                        "--ecs-cluster", "annals", "--ecs-service", "gold=annals-gold"],
            environment: ["DATABASE_URL": "postgres://annals@127.0.0.1:\(deadDatabase)/annals", "ANNALS_LOG_FORMAT": "json",
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(deadBroker)/v1/credentials",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ContainerToken-4f1d"],
            removingEnvironment: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                                  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                  "KAFKA_BROKERS", "ANNALS_CONFIG", "ANNALS_LOG_LEVEL", "DATABASE_URL_FILE"])
        let log = try await SecretsInLogsTests.runUntilItFailsToConnect(process)
        let settings = LogLine.parse(log).first { $0.message == "settings" }
        #expect(settings?["aws-credentials"]?.hasPrefix(
            "container credentials endpoint (task role): http://127.0.0.1:\(deadBroker)/v1/credentials") == true,
            "\(String(describing: settings))")
        #expect(!log.contains("ContainerToken-4f1d"))
    }

    /// moto checks every signature against the keys it knows, and a session token against the role session it
    /// belongs to: so the endpoint serves two sessions of a role moto issued (and first an unknown key), and an IAM
    /// user's key reads the result.
    static let motoSetUpScript = """
        import boto3, json, os, urllib.request
        endpoint = os.environ["MOTO_ENDPOINT"]
        setup = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIASETUP", aws_secret_access_key="setup")
        scale = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "ecs:UpdateService", "ecs:DescribeServices", "autoscaling:DescribeAutoScalingGroups"]}]})
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="reader")
        iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=scale)
        reader = iam.create_access_key(UserName="reader")["AccessKey"]
        role = iam.create_role(RoleName="annals-scaling-task", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}))["Role"]
        iam.put_role_policy(RoleName="annals-scaling-task", PolicyName="scale", PolicyDocument=scale)
        sts = boto3.client("sts", **setup)
        sessions = [sts.assume_role(RoleArn=role["Arn"], RoleSessionName="task-%d" % i)["Credentials"] for i in range(2)]
        ecs = boto3.client("ecs", **setup)
        ecs.create_cluster(clusterName="annals")
        ecs.register_task_definition(family="game", containerDefinitions=[{"name": "game", "image": "game:1", "memory": 512}])
        ecs.create_service(cluster="annals", serviceName="game-gold", taskDefinition="game", desiredCount=1)
        urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                                     headers={"Content-Type": "text/plain"}))
        print(json.dumps({"reader": {"id": reader["AccessKeyId"], "secret": reader["SecretAccessKey"]},
                          "sessions": [{"id": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c["SessionToken"]}
                                       for c in sessions]}))
        """

    @Test(.enabled(if: MotoServer.executable != nil, "moto[server] is not in the venv: run dev/setup"))
    func motoAcceptsTheFetchedCredentialsAndTheRenewedOnes() async throws {
        let moto = try await MotoServer()
        struct Key: Decodable {
            var id: String
            var secret: String
            var token: String?
        }
        struct SetUp: Decodable {
            var reader: Key
            var sessions: [Key]
        }
        let setUp = try JSONDecoder().decode(SetUp.self, from: Data(try await moto.python(Self.motoSetUpScript).utf8))
        try #require(setUp.sessions.count == 2)
        let server = try await CredentialsEndpointServer(
            servedKeys: [("AKIANOTKNOWNTOMOTO00", "nope", nil)] + setUp.sessions.map { ($0.id, $0.secret, $0.token) })
        let actuator = try Self.actuator(
            ecs: moto.endpoint, credentials: try Self.provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": server.base + "/creds/short"]))
        var request = Self.request
        // Refused with the unknown key, sent again with the role's first session.
        #expect(try await actuator.setDesiredCapacity(request).contains("desiredCount=3"))
        request.desired = 5
        // Expiring within 5 minutes: fetched again, signed with the second session.
        #expect(try await actuator.setDesiredCapacity(request).contains("desiredCount=5"))
        #expect(try await server.seen().fetches.count == 3)
        let described = try await moto.python(ScalingWorkerTests.describeScript,
                                              environment: ["KEY_ID": setUp.reader.id, "KEY_SECRET": setUp.reader.secret])
        #expect(described.split(whereSeparator: \.isWhitespace).first == "5")
    }
}

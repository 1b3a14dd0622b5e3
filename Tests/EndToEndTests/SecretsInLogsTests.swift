import Foundation
import Testing
import TestSupport

/// Issue 5: no secret (a password in DATABASE_URL, a SASL password) appears in any log line of a run that prints its
/// settings and fails to connect, whichever way the secrets were given.
@Suite("Secrets never logged", .timeLimit(.minutes(6)))
struct SecretsInLogsTests {
    /// Distinctive, and in need of percent-encoding in a URL.
    static let databasePassword = "PgSecret-7f3a/9@x"
    static let encodedDatabasePassword = "PgSecret-7f3a%2F9%40x"
    static let kafkaPassword = "KafkaSecret-51c2/e9+"
    static let embeddingKey = "sk-EmbedSecret-0b77"
    static let awsSecretKey = "AwsSecret-9d41/Zq"
    static let awsSessionToken = "AwsToken-c3e8"
    /// Each secret as given, percent-encoded, and its distinctive stem (a partial leak).
    static let forbidden = [databasePassword, encodedDatabasePassword, "PgSecret-7f3a", "7f3a%2F9",
                            kafkaPassword, "KafkaSecret-51c2%2Fe9%2B", "KafkaSecret-51c2",
                            embeddingKey, "EmbedSecret", awsSecretKey, "AwsSecret-9d41", awsSessionToken]
    static let workers = ["annals-story-worker", "annals-kb-worker", "annals-metrics-worker", "annals-scaling-worker"]
    static let sasl = ["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN", "sasl.username=u"]

    /// Secrets on the command line and in DATABASE_URL (and, for the kb and scaling workers, an embeddings API key and
    /// AWS credentials in the environment); the database does not listen, so the worker keeps failing to connect to
    /// it. librdkafka's debug output is logged too.
    @Test(arguments: workers)
    func secretsGivenAsFlagsAndEnvironmentAreNeverLogged(worker: String) async throws {
        let deadDatabase = try LocalHTTP.freePort()
        let deadBroker = try LocalHTTP.freePort()
        var arguments = ["--brokers", "127.0.0.1:\(deadBroker)", "--log-level", "debug", "-X", "debug=conf,security,broker"]
            + (Self.sasl + ["sasl.password=\(Self.kafkaPassword)"]).flatMap { ["-X", $0] }
        var environment = ["DATABASE_URL": "postgres://annals:\(Self.encodedDatabasePassword)@127.0.0.1:\(deadDatabase)/annals"]
        if worker == "annals-kb-worker" {
            arguments += ["--embedder", "openai", "--embedding-model", "text-embedding-3-small",
                          "--embedding-url", "http://127.0.0.1:\(deadBroker)/v1"]
            environment["OPENAI_API_KEY"] = Self.embeddingKey
        }
        if worker == "annals-scaling-worker" {
            arguments += ["--actuator", "ecs", "--aws-region", "eu-west-1", "--aws-endpoint", "http://127.0.0.1:\(deadBroker)",
                          "--ecs-cluster", "annals", "--ecs-service", "gold=annals-gold"]
            environment.merge(["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE0000KEY1", "AWS_SECRET_ACCESS_KEY": Self.awsSecretKey,
                               "AWS_SESSION_TOKEN": Self.awsSessionToken]) { _, new in new }
        }
        let process = try ChildProcess.annals(
            worker, arguments: arguments, environment: environment,
            removingEnvironment: ["KAFKA_BROKERS", "ANNALS_LOG_FORMAT", "ANNALS_LOG_LEVEL", "ANNALS_CONFIG", "DATABASE_URL_FILE",
                                  "ANNALS_EMBEDDER", "ANNALS_EMBEDDING_KEY_FILE", "ANNALS_EMBEDDING_NO_KEY", "AWS_PROFILE"])
        let log = try await Self.runUntilItFailsToConnect(process)
        Self.expectNoSecret(in: log, worker: worker)
        let settings = LogLine.parse(log).first { $0.message == "settings" }
        if worker == "annals-kb-worker" {
            #expect(settings?["embedder"]?.contains("key=environment variable OPENAI_API_KEY") == true, "\(String(describing: settings))")
        }
        if worker == "annals-scaling-worker" {
            #expect(settings?["aws-credentials"]?.contains("KEY1") == true, "\(String(describing: settings))")
        }
    }

    /// Secrets in files: the database URL (with a password) named by the settings file or DATABASE_URL_FILE, the SASL
    /// password by the settings file's kafka-property-file or ANNALS_KAFKA_SASL_PASSWORD_FILE. The database is real
    /// (it accepts the connection, or refuses the password); the broker does not listen.
    @Test(arguments: workers)
    func secretsGivenInFilesAreNeverLogged(worker: String) async throws {
        let database = try await onOwnThread { try TestDatabase.create(prefix: "secrets") }
        defer { try? database.drop() }
        let directory = FileManager.default.temporaryDirectory.path + "/annals-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try (Self.withPassword(database.url) + "\n").write(toFile: "\(directory)/database-url", atomically: true, encoding: .utf8)
        try (Self.kafkaPassword + "\n").write(toFile: "\(directory)/kafka-password", atomically: true, encoding: .utf8)

        // Two workers read both secret files through the settings file, two through the environment.
        let throughSettingsFile = worker == "annals-story-worker" || worker == "annals-metrics-worker"
        var yaml = """
            brokers: 127.0.0.1:\(try LocalHTTP.freePort())
            log-level: debug
            kafka-property: [\(Self.sasl.joined(separator: ", ")), "debug=conf,security,broker"]

            """
        var environment: [String: String] = [:]
        if throughSettingsFile {
            yaml += "database-url-file: \(directory)/database-url\nkafka-property-file: [sasl.password=\(directory)/kafka-password]\n"
        } else {
            environment = ["DATABASE_URL_FILE": "\(directory)/database-url",
                           "ANNALS_KAFKA_SASL_PASSWORD_FILE": "\(directory)/kafka-password"]
        }
        try yaml.write(toFile: "\(directory)/\(worker).yaml", atomically: true, encoding: .utf8)
        let process = try ChildProcess.annals(
            worker, arguments: ["--config", "\(directory)/\(worker).yaml"], environment: environment,
            removingEnvironment: Set(["KAFKA_BROKERS", "DATABASE_URL", "ANNALS_LOG_FORMAT", "ANNALS_LOG_LEVEL", "ANNALS_CONFIG",
                                      "ANNALS_KAFKA_SASL_PASSWORD"])
                .union(throughSettingsFile ? ["DATABASE_URL_FILE", "ANNALS_KAFKA_SASL_PASSWORD_FILE"] : []))
        let log = try await Self.runUntilItFailsToConnect(process)
        Self.expectNoSecret(in: log, worker: worker)
        let settings = try #require(LogLine.parse(log).first { $0.message == "settings" })
        #expect(settings["config"] == "\(directory)/\(worker).yaml")
        // A test server that trusts local connections ignores the password, so the worker goes on to make its Kafka
        // client: librdkafka's configuration dump, SASL password included, goes through the log too.
        let passwordRefused = LogLine.parse(log).contains { $0.fields.values.contains { $0.contains("password authentication failed") } }
        if !passwordRefused {
            #expect(LogLine.parse(log).contains { $0["rdkafka.facility"] == "CONF" && $0.message.contains("sasl.password") },
                    "\(worker): librdkafka's configuration dump was logged")
        }
        #expect(settings["sources"]?.contains(throughSettingsFile ? "database-url-file=file" : "database-url-file=env:DATABASE_URL_FILE") == true,
                "\(settings)")
    }

    /// annals-api's bearer tokens, from a file and from ANNALS_API_AUTH_TOKENS: its settings name the tokens' names,
    /// and neither the tokens nor a refused one a client sent appear in any line, at debug level.
    @Test(arguments: ["file", "environment"])
    func apiTokensAreNeverLogged(given: String) async throws {
        let database = try await onOwnThread { try TestDatabase.create(prefix: "api_tokens_log") }
        defer { try? database.drop() }
        let token = "ApiTokenSecret-4e1d9c", refused = "RefusedTokenSecret-77aa"
        let directory = FileManager.default.temporaryDirectory.path + "/annals-api-tokens-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = "storyteller \(token) 20 40\n"
        try text.write(toFile: "\(directory)/tokens", atomically: true, encoding: .utf8)
        let port = try LocalHTTP.freePort()
        let process = try ChildProcess.annals(
            "annals-api",
            arguments: ["--http-port", "\(port)", "--http-host", "127.0.0.1", "--log-level", "debug", "--trusted-proxies", "127.0.0.1"]
                + (given == "file" ? ["--auth-token-file", "\(directory)/tokens"] : []),
            environment: ["DATABASE_URL": database.url].merging(given == "file" ? [:] : ["ANNALS_API_AUTH_TOKENS": text]) { _, new in new },
            removingEnvironment: ["ANNALS_LOG_FORMAT", "ANNALS_LOG_LEVEL", "ANNALS_CONFIG", "DATABASE_URL_FILE",
                                  "ANNALS_API_AUTH_TOKEN_FILE", "ANNALS_API_TRUSTED_PROXIES"])
        defer { _ = try? process.kill(SIGKILL) }
        try await waitUntil(timeout: .seconds(60), description: "annals-api answers /healthz") {
            if let status = process.status() { throw TestSupportFailure("exited early, \(status): \(process.logTail())") }
            return try await onOwnThread { try LocalHTTP.get(port: port, path: "/healthz")?.status == 200 }
        }
        let statuses = try await onOwnThread {
            try [token, refused].map { presented in
                try LocalHTTP.response(port: port, path: "/v1/worlds", headers: [("Authorization", "Bearer \(presented)"),
                                                                                ("X-Forwarded-For", "203.0.113.9")])?.status
            }
        }
        #expect(statuses.last == 401 && statuses.first != 401, "\(statuses)")
        try process.kill(SIGTERM)
        _ = try await process.waitForExit(timeout: .seconds(30))
        let log = process.log()
        let settings = try #require(LogLine.parse(log).first { $0.message == "settings" })
        #expect(settings["auth"] == "bearer tokens of storyteller" && settings["trusted-proxies"] == "127.0.0.1/32", "\(settings)")
        for secret in [token, refused, "ApiTokenSecret", "RefusedTokenSecret"] {
            #expect(!log.contains(secret), "annals-api logged \(secret)")
        }
    }

    /// Bad access settings stop annals-api at start-up, naming the entry and never the token.
    @Test func badAccessSettingsAreRefusedAtStartUp() async throws {
        let bad = try await Self.annals(["annals-api", "--trusted-proxies", "10.0.0.0/16,subnet-0abc", "--http-port", "1"])
        #expect(bad.status == .exited(1) && bad.output.contains("subnet-0abc") && bad.output.contains("is not an address block"), "\(bad.output)")
        let missing = try await Self.annals(["annals-api", "--auth-token-file", "/nonexistent/tokens", "--http-port", "1"])
        #expect(missing.status == .exited(1) && missing.output.contains("cannot read the token file /nonexistent/tokens"), "\(missing.output)")
        let weak = try await Self.annals(["annals-api", "--http-port", "1"], environment: ["ANNALS_API_AUTH_TOKENS": "storyteller WeakSecret"])
        #expect(weak.status == .exited(1) && weak.output.contains("ANNALS_API_AUTH_TOKENS:1: storyteller's token must be 16")
                && !weak.output.contains("WeakSecret"), "\(weak.output)")
    }

    /// Runs an Annals executable to its end; its status and its output (stdout and stderr).
    static func annals(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: ChildProcess.ExitStatus, output: String) {
        let process = try ChildProcess.annals(arguments[0], arguments: Array(arguments.dropFirst()), environment: environment,
                                              removingEnvironment: Set(["ANNALS_API_AUTH_TOKENS", "ANNALS_API_AUTH_TOKEN_FILE",
                                                                        "ANNALS_API_TRUSTED_PROXIES", "ANNALS_CONFIG"])
                                                  .subtracting(environment.keys))
        let status = try await process.waitForExit(timeout: .seconds(60))
        return (status, process.log())
    }

    // MARK: - Helpers

    /// Waits until the worker has logged its settings and a failure to connect (to the database or the broker), then
    /// stops it; returns everything it wrote. Fails if it exits first.
    static func runUntilItFailsToConnect(_ process: ChildProcess) async throws -> String {
        defer { _ = try? process.kill(SIGKILL) }
        try await waitUntil(timeout: .seconds(90), pollInterval: .milliseconds(100),
                            description: "\(process.commandLine) to log its settings and a connection failure") {
            if let status = process.status() { throw TestSupportFailure("exited early, \(status): \(process.logTail())") }
            let lines = process.logLines()
            return lines.contains { $0.message == "settings" } && lines.contains(where: isConnectionFailure)
        }
        try process.kill(SIGTERM)
        if (try? await process.waitForExit(timeout: .seconds(30))) == nil { try await process.terminate() }
        return process.log()
    }

    /// A line reporting that the database or a broker could not be reached.
    static func isConnectionFailure(_ line: LogLine) -> Bool {
        guard ["warning", "error", "critical"].contains(line.level) || line.message.contains("Connect to") else { return false }
        return line.fields.values.contains { text in
            ["Connection refused", "password authentication failed", "brokers are down"].contains { text.contains($0) }
        }
    }

    static func expectNoSecret(in log: String, worker: String) {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: true)
        let parsed = LogLine.parse(log)
        #expect(parsed.count == lines.count, "\(worker): every line is a JSON object: \(lines.filter { !$0.hasPrefix("{") }.prefix(5))")
        let settings = parsed.first { $0.message == "settings" }
        #expect(settings?["database"]?.contains("xxxxx") == true, "\(worker): \(String(describing: settings))")
        #expect(settings?["kafka"]?.contains("sasl.password=<redacted>") == true, "\(worker): \(String(describing: settings))")
        let unescaped = parsed.flatMap { $0.fields.values }.joined(separator: "\n")
        for secret in forbidden {
            let leaks = lines.filter { $0.contains(secret) }
            #expect(leaks.isEmpty && !unescaped.contains(secret), "\(worker) logged \(secret): \(leaks.prefix(3))")
        }
        print("\(worker): \(lines.count) log lines, \(parsed.filter(isConnectionFailure).count) connection failures, no secret")
    }

    /// `url` with the database password set (URL or key=value conninfo).
    static func withPassword(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url + " password='\(databasePassword)'" }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else {
            return String(url[..<scheme.upperBound]) + "postgres:\(encodedDatabasePassword)@" + String(rest)
        }
        let user = authority[..<at].split(separator: ":", maxSplits: 1).first ?? ""
        return String(url[..<scheme.upperBound]) + String(user) + ":\(encodedDatabasePassword)" + String(rest[at...])
    }
}

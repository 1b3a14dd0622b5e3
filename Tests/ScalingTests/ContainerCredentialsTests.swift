@testable import AWSSupport
import Foundation
import Logging
import Scaling
import Testing

/// The ECS task role's credentials without any I/O: which source the environment names, what the endpoint's answers
/// mean, and when the cached credentials must be fetched again.
@Suite struct ContainerCredentialsTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test(arguments: [
        (["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/0f1e"], "http://169.254.170.2/v2/credentials/0f1e"),
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:51679/creds"], "http://127.0.0.1:51679/creds"),
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials"], "http://169.254.170.23/v1/credentials"),
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://[fd00:ec2::23]/v1/credentials"], "http://[fd00:ec2::23]/v1/credentials"),
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://creds.example.com/role"], "https://creds.example.com/role"),
        // The relative URI wins, as in the AWS SDKs.
        (["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/a", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost/b"],
         "http://169.254.170.2/v2/credentials/a"),
    ])
    func theEndpointComesFromTheContainerVariables(environment: [String: String], url: String) throws {
        let endpoint = try #require(try ContainerCredentialsEndpoint.fromEnvironment(environment))
        #expect(endpoint.url == url)
        #expect(endpoint.authorization == .none)
    }

    @Test func withoutContainerVariablesThereIsNoEndpoint() throws {
        #expect(try ContainerCredentialsEndpoint.fromEnvironment(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": " "]) == nil)
    }

    @Test func theTokenFileWinsOverTheTokenAndNeitherIsPrinted() throws {
        let base = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer sekrit-token"]
        let withToken = try #require(try ContainerCredentialsEndpoint.fromEnvironment(base))
        #expect(withToken.authorization == .token("Bearer sekrit-token"))
        #expect(!"\(withToken)".contains("sekrit"))
        #expect("\(withToken)".contains("<redacted>"))
        var withFile = base
        withFile["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/var/run/secrets/token"
        let endpoint = try #require(try ContainerCredentialsEndpoint.fromEnvironment(withFile))
        #expect(endpoint.authorization == .tokenFile("/var/run/secrets/token"))
        #expect("\(endpoint)".contains("/var/run/secrets/token"))
    }

    @Test(arguments: [
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://creds.example.com/role"], "use https"),
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "ftp://127.0.0.1/creds"], "expected an http or https URL"),
        (["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://user:pw@creds.example.com/x?sig=abc"], "use https"),
        (["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "v2/credentials"], "expected a path such as /v2/credentials/<id>"),
        (["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "a\r\nX-Injected: 1"],
         "must be a single line"),
    ])
    func unusableContainerSettingsSayWhatIsWrong(environment: [String: String], message: String) {
        do {
            _ = try ContainerCredentialsEndpoint.fromEnvironment(environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.description.contains("pw@"))
            #expect(!error.description.contains("sig=abc"))
            #expect(!error.description.contains("X-Injected"))
        }
    }

    @Test func anAccessKeyInTheEnvironmentWinsOverTheTaskRole() throws {
        let container = ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/0f1e"]
        let role = try AWSCredentialsProvider.fromEnvironment(container, timeout: .seconds(1), logger: Self.quiet)
        #expect("\(role)".hasPrefix("container credentials endpoint (task role): http://169.254.170.2/v2/credentials/0f1e"))
        #expect(role.credentialAdvice.contains("task role"))

        var both = container
        both["AWS_ACCESS_KEY_ID"] = "AKIAEXAMPLE0000KEY1"
        both["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG"
        let fixed = try AWSCredentialsProvider.fromEnvironment(both, timeout: .seconds(1), logger: Self.quiet)
        #expect("\(fixed)" == "environment: access key …KEY1, secret <redacted>")
        #expect(fixed.credentialAdvice.contains("AWS_ACCESS_KEY_ID"))

        #expect(throws: AWSSettingsError.missingCredentials(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])) {
            try AWSCredentialsProvider.fromEnvironment([:], timeout: .seconds(1), logger: Self.quiet)
        }
        #expect(AWSSettingsError.missingCredentials(["AWS_ACCESS_KEY_ID"]).description.contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
    }

    @Test(arguments: ["2026-12-04T18:00:00Z", "2026-12-04T18:00:00.000Z", "2026-12-04T19:00:00+01:00"])
    func credentialsAreReadFromTheEndpointsJSON(expiration: String) throws {
        let body = #"{"RoleArn": "arn:aws:iam::123:role/scaler", "AccessKeyId": "ASIAEXAMPLE00000KEY", "SecretAccessKey": "s3cret", "Token": "t0ken", "Expiration": "\#(expiration)"}"#
        let parsed = try TemporaryCredentials.parse(status: 200, body: Array(body.utf8))
        #expect(parsed.credentials == AWSCredentials(accessKeyID: "ASIAEXAMPLE00000KEY", secretAccessKey: "s3cret", sessionToken: "t0ken"))
        #expect(parsed.expiration == Date(timeIntervalSince1970: 1_796_407_200))
        #expect(!"\(parsed)".contains("s3cret"))
        #expect(!"\(parsed)".contains("t0ken"))
    }

    @Test(arguments: [
        (200, #"{"AccessKeyId": "ASIA", "SecretAccessKey": "s3cret", "Expiration": "2026-12-04T18:00:00Z"}"#,
         ContainerCredentialsError.missingFields(["Token"]), "answered without Token in its JSON"),
        (200, #"{"AccessKeyId": "", "SecretAccessKey": "s3cret"}"#,
         .missingFields(["AccessKeyId", "Token", "Expiration"]), "without AccessKeyId, Token, Expiration"),
        (200, #"<html>s3cret</html>"#, .notJSON(byteCount: 19), "19 bytes that are not a JSON object"),
        (200, #"["s3cret"]"#, .notJSON(byteCount: 10), "not a JSON object"),
        (200, #"{"AccessKeyId": "ASIA", "SecretAccessKey": "s3cret", "Token": "t", "Expiration": "tomorrow"}"#,
         .invalidExpiration("tomorrow"), "Expiration \"tomorrow\", which is not an ISO 8601 timestamp"),
        (400, #"{"code": "InvalidIdentityToken", "message": "Authorization token is invalid"}"#,
         .refused(status: 400, code: "InvalidIdentityToken", message: "Authorization token is invalid"),
         "answered HTTP 400 InvalidIdentityToken: Authorization token is invalid"),
        (502, "s3cret", .refused(status: 502, code: nil, message: nil), "answered HTTP 502"),
    ] as [(Int, String, ContainerCredentialsError, String)])
    func badAnswersNameWhatIsWrongWithoutQuotingTheBody(status: Int, body: String, error: ContainerCredentialsError,
                                                         message: String) {
        #expect(throws: error) { try TemporaryCredentials.parse(status: status, body: Array(body.utf8)) }
        #expect(error.description.contains(message), "\(error)")
        #expect(!error.description.contains("s3cret"))
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func cached(expiringIn seconds: TimeInterval, key: String = "KEY1") -> TemporaryCredentials {
        TemporaryCredentials(credentials: AWSCredentials(accessKeyID: key, secretAccessKey: "s", sessionToken: "t"),
                             expiration: now.addingTimeInterval(seconds))
    }

    enum Expected: Sendable { case use, fetchWithFallback, fetchWithoutFallback }

    @Test(arguments: [
        (nil, false, Expected.fetchWithoutFallback),
        (3600, false, .use),
        (301, false, .use),
        (299, false, .fetchWithFallback),
        (16, false, .fetchWithFallback),
        (10, false, .fetchWithoutFallback),
        (-60, false, .fetchWithoutFallback),
        (3600, true, .fetchWithFallback),
    ] as [(TimeInterval?, Bool, Expected)])
    func credentialsAreFetchedAgainFiveMinutesBeforeTheyExpireOrOnceRefused(expiresIn: TimeInterval?, refused: Bool,
                                                                           expected: Expected) {
        var cache = CredentialCache()
        if let expiresIn { cache.received(Self.cached(expiringIn: expiresIn)) }
        if refused { cache.refused(accessKeyID: "KEY1") }
        let credentials = Self.cached(expiringIn: 0).credentials
        switch expected {
        case .use: #expect(cache.action(at: Self.now) == .use(credentials))
        case .fetchWithFallback: #expect(cache.action(at: Self.now) == .fetch(fallback: credentials))
        case .fetchWithoutFallback: #expect(cache.action(at: Self.now) == .fetch(fallback: nil))
        }
    }

    @Test func aRefusalOfAnOlderKeyDoesNotDiscardNewerCredentials() {
        var cache = CredentialCache()
        cache.received(Self.cached(expiringIn: 3600, key: "KEY2"))
        cache.refused(accessKeyID: "KEY1")
        #expect(cache.action(at: Self.now) == .use(Self.cached(expiringIn: 0, key: "KEY2").credentials))
        cache.refused(accessKeyID: "KEY2")
        cache.received(Self.cached(expiringIn: 3600, key: "KEY3"))
        #expect(cache.action(at: Self.now) == .use(Self.cached(expiringIn: 0, key: "KEY3").credentials))
    }

    @Test func refusalsBlamingTheCredentialsGiveTheTaskRoleAdvice() {
        let advice = "check that the task role may make this call"
        for (status, code) in [(403, nil), (400, "ExpiredTokenException"), (400, "UnrecognizedClientException"),
                               (403, "InvalidClientTokenId")] as [(Int, String?)] {
            let error = AWSErrorResponse(status: status, code: code, message: nil)
            #expect(error.blamesCredentials)
            #expect(error.failure(operation: "op", advice: "a", credentialAdvice: advice).message.contains(advice))
        }
        #expect(!AWSErrorResponse(status: 400, code: "ServiceNotFoundException", message: nil).blamesCredentials)
        #expect(!AWSErrorResponse(status: 503, code: nil, message: nil).blamesCredentials)
    }
}

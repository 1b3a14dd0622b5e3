@testable import AWSActuation
@testable import AWSSupport
import Foundation
import Scaling
import Testing

/// What goes over the wire to ECS and EC2 Auto Scaling and what their answers mean; settings and their errors.
@Suite struct AWSWireTests {
    @Test func updateServiceBodyIsTheJSONECSExpects() {
        let body = ECSActuator.updateServiceBody(cluster: "annals", service: "game/gold", desiredCount: 7)
        #expect(String(decoding: body, as: UTF8.self) == #"{"cluster":"annals","desiredCount":7,"service":"game/gold"}"#)
    }

    @Test func setDesiredCapacityBodyIsTheQueryForm() {
        let body = AutoScalingActuator.setDesiredCapacityBody(group: "annals gold&co", desiredCapacity: 3)
        #expect(String(decoding: body, as: UTF8.self)
            == "Action=SetDesiredCapacity&AutoScalingGroupName=annals%20gold%26co&DesiredCapacity=3&Version=2011-01-01")
    }

    @Test func anUpdateServiceResultIsSummarised() throws {
        let body = Array(#"{"service": {"serviceArn": "arn:aws:ecs:us-east-1:123:service/annals/gold", "desiredCount": 7, "runningCount": 5, "status": "ACTIVE"}}"#.utf8)
        #expect(try ECSActuator.summary(of: body, operation: "op")
            == "service arn:aws:ecs:us-east-1:123:service/annals/gold desiredCount=7 runningCount=5 status=ACTIVE")
        #expect(throws: ActuationFailure.self) { try ECSActuator.summary(of: Array("<html>".utf8), operation: "op") }
    }

    @Test(arguments: [
        // JSON 1.1 (ECS), with and without the namespace.
        (400, nil, #"{"__type": "com.amazonaws.ecs#ServiceNotFoundException", "message": "Service not found."}"#,
         "ServiceNotFoundException", "Service not found."),
        (400, nil, #"{"__type": "ThrottlingException", "Message": "Rate exceeded"}"#, "ThrottlingException", "Rate exceeded"),
        // Query protocol XML (EC2 Auto Scaling).
        (400, nil, "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>AutoScalingGroup name not found - no such group: a&amp;b</Message></Error></ErrorResponse>",
         "ValidationError", "AutoScalingGroup name not found - no such group: a&b"),
        // Only the header.
        (403, "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/", "",
         "UnrecognizedClientException", nil),
        (502, nil, "<html>Bad Gateway</html>", nil, nil),
    ] as [(Int, String?, String, String?, String?)])
    func errorCodesAndMessagesAreReadFromEveryProtocol(status: Int, header: String?, body: String, code: String?, message: String?) {
        let error = AWSErrorResponse(status: status, errorTypeHeader: header, body: Array(body.utf8))
        #expect(error.code == code)
        #expect(error.message == message)
    }

    @Test(arguments: [
        (400, "ThrottlingException", ActuationFailure.Kind.transient, "was throttled"),
        (400, "Throttling", .transient, "was throttled"),
        (429, nil, .transient, "was throttled"),
        (503, nil, .transient, "should recover"),
        (500, "ServerException", .transient, "should recover"),
        (400, "ScalingActivityInProgress", .transient, "should recover"),
        (400, "ServiceNotFoundException", .rejected, "check the service"),
        (400, "ValidationError", .rejected, "check the service"),
        (403, "SignatureDoesNotMatch", .rejected, "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"),
        (400, "UnrecognizedClientException", .rejected, "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"),
        (403, nil, .rejected, "check AWS_ACCESS_KEY_ID"),
    ] as [(Int, String?, ActuationFailure.Kind, String)])
    func throttlingAndServerErrorsAreRetriedAndRefusalsSayWhatToCheck(status: Int, code: String?, kind: ActuationFailure.Kind,
                                                                     advice: String) {
        let failure = ActuationFailure(AWSErrorResponse(status: status, code: code, message: "said so")
            .failure(operation: "ECS UpdateService for gold", advice: "check the service"))
        #expect(failure.kind == kind)
        #expect(failure.code == code)
        #expect(failure.status == status)
        #expect(failure.message.hasPrefix("ECS UpdateService for gold"))
        #expect(failure.message.contains("HTTP \(status)" + (code.map { " \($0)" } ?? "") + ": said so"))
        #expect(failure.message.contains(advice), "\(failure.message)")
    }

    @Test(arguments: [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/", "127.0.0.1:5000"),
        ("https://ecs.us-east-1.amazonaws.com/", "https://ecs.us-east-1.amazonaws.com/", "ecs.us-east-1.amazonaws.com"),
        ("https://vpce.example:443/x", "https://vpce.example/", "vpce.example"),
        ("http://localhost", "http://localhost/", "localhost"),
    ])
    func endpointsGiveTheURLAndTheHostHeader(text: String, url: String, host: String) throws {
        let endpoint = try AWSEndpoint(parsing: text)
        #expect(endpoint.url == url)
        #expect(endpoint.hostHeader == host)
    }

    @Test func regionalEndpointsAreTheServicesOwn() {
        #expect(AWSEndpoint(service: "ecs", region: "eu-west-1").url == "https://ecs.eu-west-1.amazonaws.com/")
        #expect(AWSEndpoint(service: "autoscaling", region: "cn-north-1").url == "https://autoscaling.cn-north-1.amazonaws.com.cn/")
    }

    @Test(arguments: ["ftp://example.com", "127.0.0.1:5000", "http://", ""])
    func anEndpointThatIsNotAnHTTPURLIsRefused(text: String) {
        #expect(throws: AWSSettingsError.invalidEndpoint(text)) { try AWSEndpoint(parsing: text) }
    }

    @Test(arguments: ["us-east-1", "eu-central-2", "us-gov-west-1"])
    func regionNamesAreAccepted(region: String) throws {
        try AWSEndpoint.validate(region: region)
    }

    @Test(arguments: ["US-EAST-1", "us east 1", "useast1", "1-us", ""])
    func otherRegionNamesAreRefused(region: String) {
        #expect(throws: AWSSettingsError.invalidRegion(region)) { try AWSEndpoint.validate(region: region) }
    }

    @Test func credentialsComeFromTheEnvironmentAndNeverShowTheSecret() throws {
        let credentials = try AWSCredentials.fromEnvironment([
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SESSION_TOKEN": "token-value",
        ])
        #expect(credentials.sessionToken == "token-value")
        for text in ["\(credentials)", String(reflecting: credentials)] {
            #expect(!text.contains("wJalrXUtnFEMI"))
            #expect(!text.contains("token-value"))
            #expect(!text.contains("AKIAIOSFODNN7"))
            #expect(text.contains("…MPLE"))
        }
    }

    @Test func missingCredentialsNameTheVariablesToSet() {
        #expect(throws: AWSSettingsError.missingCredentials(["AWS_SECRET_ACCESS_KEY"])) {
            try AWSCredentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": " "])
        }
        let error = AWSSettingsError.missingCredentials(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
        #expect(error.description.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset or empty"))
        #expect(error.description.contains("or run in an ECS task with a task role"))
    }
}

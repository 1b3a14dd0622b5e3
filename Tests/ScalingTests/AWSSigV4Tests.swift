import AWSSupport
import Foundation
import Testing

/// The signer against AWS's published Signature V4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z,
/// us-east-1, service "service") and the IAM ListUsers example of the AWS documentation.
@Suite struct AWSSigV4Tests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let suite = AWSSigV4(credentials: credentials, region: "us-east-1", service: "service")
    /// 2015-08-30T12:36:00Z.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
    static let host = ("Host", "example.amazonaws.com")
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test func getVanillaMatchesTheSuite() {
        let signed = Self.suite.sign(.init(method: "GET", headers: [Self.host]), at: Self.date)
        #expect(signed.canonicalRequest == """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            \(Self.emptyHash)
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
            """)
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(signed.headers.map(\.name) == ["X-Amz-Date", "Authorization"])
    }

    @Test func postXWWWFormURLEncodedMatchesTheSuite() {
        let signed = Self.suite.sign(
            .init(method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded"), Self.host],
                  body: Array("Param1=value1".utf8)),
            at: Self.date)
        #expect(signed.canonicalRequest == """
            POST
            /

            content-type:application/x-www-form-urlencoded
            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            content-type;host;x-amz-date
            9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e
            """)
        #expect(signed.stringToSign.hasSuffix("\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"))
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
    }

    @Test(arguments: [
        // post-vanilla: no body hashes as the empty string.
        ("POST", [(String, String)](), "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        // get-vanilla-query-order-key-case: parameters are sorted by name, upper case first.
        ("GET", [("Param2", "value2"), ("Param1", "value1")], "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ])
    func moreSuiteCasesMatch(method: String, query: [(String, String)], signature: String) {
        let request = AWSSigV4.Request(method: method, query: query.map { (name: $0.0, value: $0.1) }, headers: [Self.host])
        #expect(Self.suite.sign(request, at: Self.date).signature == signature)
    }

    @Test func aSessionTokenIsSentAndSignedLikeTheSuitesWithSessionTokenCase() {
        var credentials = Self.credentials
        credentials.sessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
        let signer = AWSSigV4(credentials: credentials, region: "us-east-1", service: "service")
        let signed = signer.sign(.init(method: "GET", headers: [Self.host]), at: Self.date)
        #expect(signed.canonicalRequest.contains(
            "x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\nhost;x-amz-date;x-amz-security-token\n"))
        #expect(signed.stringToSign.hasSuffix("\n067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b"))
        #expect(signed.signature == "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8")
        #expect(signed.headers.contains { $0.name == "X-Amz-Security-Token" && $0.value == credentials.sessionToken })
    }

    @Test func theIAMListUsersExampleOfTheDocumentationMatches() {
        let signer = AWSSigV4(credentials: Self.credentials, region: "us-east-1", service: "iam")
        let signed = signer.sign(
            .init(method: "GET", query: [("Action", "ListUsers"), ("Version", "2010-05-08")],
                  headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Host", "iam.amazonaws.com")]),
            at: Self.date)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/iam/aws4_request
            f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59
            """)
        #expect(hex(AWSSigV4.signingKey(secret: Self.credentials.secretAccessKey, date: "20150830", region: "us-east-1", service: "iam"))
            == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        #expect(signed.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    @Test func theSigningKeyDerivationExampleOfTheDocumentationMatches() {
        let key = AWSSigV4.signingKey(secret: Self.credentials.secretAccessKey, date: "20120215", region: "us-east-1", service: "iam")
        #expect(hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    /// Every service but S3 encodes each path segment twice: once on the wire, once more in the canonical request.
    /// Bedrock's model ids hold a `:` (botocore signs `/model/amazon.titan-embed-text-v2%253A0/invoke`).
    @Test func aPathIsSentEncodedOnceAndSignedEncodedTwice() {
        let path = AWSSigV4.encodedPath(["model", "amazon.titan-embed-text-v2:0", "invoke"])
        #expect(path == "/model/amazon.titan-embed-text-v2%3A0/invoke")
        #expect(AWSSigV4.encodedPath(["model", "arn:aws:bedrock:us-east-1:1:provisioned-model/x y", "invoke"])
            == "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aprovisioned-model%2Fx%20y/invoke")
        #expect(AWSSigV4.encodedPath([]) == "/")
        let signer = AWSSigV4(credentials: Self.credentials, region: "us-east-1", service: "bedrock")
        let signed = signer.sign(.init(method: "POST", path: path, headers: [("Host", "bedrock-runtime.us-east-1.amazonaws.com")]),
                                 at: Self.date)
        #expect(signed.canonicalRequest.hasPrefix("POST\n/model/amazon.titan-embed-text-v2%253A0/invoke\n\n"))
    }

    @Test func headerNamesAreLowerCasedSortedAndValuesTrimmed() {
        let messy = Self.suite.sign(.init(method: "GET", headers: [("X-Custom", "  a   b  "), ("HOST", "example.amazonaws.com")]),
                                    at: Self.date)
        #expect(messy.canonicalRequest.contains("host:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-custom:a b\n"))
        #expect(messy.signedHeaders == "host;x-amz-date;x-custom")
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"), (1_440_938_160.0, "20150830T123600Z"), (951_782_400.0, "20000229T000000Z"),
        (4_102_444_799.9, "20991231T235959Z"),
    ])
    func amzDatesAreUTC(seconds: Double, text: String) {
        #expect(AWSSigV4.amzDate(Date(timeIntervalSince1970: seconds)) == text)
    }

    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

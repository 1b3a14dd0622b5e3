import AWSSupport
import Foundation
import KnowledgeBase
import Logging
@testable import RemoteEmbedding
import TestSupport
import Testing

/// The Bedrock embedder against `dev/bedrock-stub.py`, which checks every request's Signature V4 with botocore (not
/// with our signer) and its Titan body: vectors, order and concurrency; a wrong secret; throttling and the other
/// answers that are retried or not; settings refused before any call.
@Suite(.timeLimit(.minutes(3)))
struct BedrockEmbedderTests {
    static let keyID = "AKIDBEDROCKTEST0001"
    static let secret = "bedrock-test-secret/4f9c2a7e1b8d"
    static let quiet = Logger(label: "bedrock-embedder-test", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Waits of milliseconds, so that retries without Retry-After are quick.
    static let quickBackoff = RetryBackoff(initial: .milliseconds(10), maximum: .milliseconds(10), jitter: false)

    static func embedder(_ stub: BedrockStub, secret: String = secret, dimension: Int = 256, concurrency: Int = 4,
                         maxAttempts: Int = 5, backoff: RetryBackoff = quickBackoff) throws -> BedrockEmbedder {
        let client = AWSServiceClient(
            endpoint: try AWSEndpoint(parsing: stub.endpoint), region: "us-east-1", service: "bedrock",
            credentials: .fixed(AWSCredentials(accessKeyID: keyID, secretAccessKey: secret)), timeout: .seconds(20))
        let settings = BedrockEmbedderSettings(dimension: dimension, concurrentRequests: concurrency, maxAttempts: maxAttempts,
                                               backoff: backoff)
        return try BedrockEmbedder(settings: settings, client: client, logger: quiet)
    }

    static func stub(script: [BedrockStub.Failure] = [], delay: Duration = .zero) async throws -> BedrockStub {
        try await BedrockStub(accessKeyID: keyID, secretAccessKey: secret, script: script, delay: delay)
    }

    /// The error `body` throws, or a test failure when it throws none or another kind.
    static func bedrockError(_ body: () async throws -> some Any) async -> BedrockEmbedderError? {
        do {
            _ = try await body()
            Issue.record("expected a BedrockEmbedderError, got vectors")
        } catch let error as BedrockEmbedderError {
            return error
        } catch {
            Issue.record("expected a BedrockEmbedderError, got \(error)")
        }
        return nil
    }

    static let texts = (0..<12).map { "lore entry \($0): the lamplighters of ward \($0 * 7) keep the ember lamps burning" }
    static let invokePath = "/model/amazon.titan-embed-text-v2%3A0/invoke"

    @Test(arguments: [256, 1024])
    func theRightSecretGetsVectorsOfTheDimensionInInputOrderAcrossConcurrentCalls(dimension: Int) async throws {
        // Each answer is held 150 ms, so the four calls allowed at once overlap.
        let stub = try await Self.stub(delay: .milliseconds(150))
        let vectors = try await Self.embedder(stub, dimension: dimension).embed(Self.texts)
        #expect(vectors == (try await stub.vectors(for: Self.texts, dimension: dimension)))
        #expect(vectors.allSatisfy { $0.count == dimension })
        #expect(vectors.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4 }, "normalize: true gives unit vectors")
        let seen = try await stub.seen()
        #expect(seen.requests.count == Self.texts.count, "one text per InvokeModel call")
        #expect(seen.requests.allSatisfy { $0.status == 200 && $0.path == Self.invokePath })
        #expect(Set(seen.requests.compactMap(\.text)) == Set(Self.texts))
        #expect((2...4).contains(seen.mostInFlight), "\(seen.mostInFlight) calls at once with a limit of 4")
    }

    @Test func noTextsMeansNoCall() async throws {
        let stub = try await Self.stub()
        #expect(try await Self.embedder(stub).embed([]).isEmpty)
        #expect(try await stub.seen().requests.isEmpty)
    }

    @Test func aWrongSecretIsRefusedAtOnceNamingTheCredentialsAndNeverShowingThem() async throws {
        let stub = try await Self.stub()
        let wrongSecret = "not-the-secret/77aa01"
        let embedder = try Self.embedder(stub, secret: wrongSecret)
        let error = await Self.bedrockError { try await embedder.embed(["the ember library"]) }
        guard case .credentialsRefused(let status, let code, _, _) = error else {
            Issue.record("expected credentialsRefused, got \(String(describing: error))")
            return
        }
        #expect(status == 403 && code == "InvalidSignatureException")
        #expect(error?.failureKind == .configuration, "the worker stops: no retry fixes a wrong secret")
        let description = "\(error!)"
        #expect(description.contains("The request signature we calculated does not match"), "\(description)")
        #expect(description.contains("check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"), "\(description)")
        #expect(try await stub.seen().requests.count == 1, "not retried")
        var dumped = ""
        dump(embedder, to: &dumped)
        for text in [description, String(reflecting: error!), "\(embedder)", dumped] {
            #expect(!text.contains(wrongSecret) && !text.contains(Self.secret), "a secret leaked into: \(text)")
        }
    }

    @Test func throttlingIsRetriedForAsLongAsRetryAfterSays() async throws {
        // The backoff is 10 ms, so a second between the 429 and the next attempt is its Retry-After. The 424
        // ModelErrorException after it has none: the backoff decides that wait.
        let stub = try await Self.stub(script: [
            .init(status: 429, code: "ThrottlingException", retryAfter: "1", message: "Too many requests, please wait"),
            .init(status: 424, code: "ModelErrorException", message: "The model failed to process the request"),
        ])
        let vectors = try await Self.embedder(stub).embed(["the watch counts the lamps"])
        #expect(vectors == (try await stub.vectors(for: ["the watch counts the lamps"], dimension: 256)))
        let requests = try await stub.seen().requests
        #expect(requests.map(\.status) == [429, 424, 200], "three attempts, the last one embedded")
        try #require(requests.count == 3)
        #expect(requests[1].arrival - requests[0].arrival >= 1, "Retry-After: 1 honoured")
    }

    @Test(arguments: [
        (429, "ThrottlingException"), (503, "ServiceUnavailableException"), (500, "InternalServerException"),
        (424, "ModelErrorException"), (408, "ModelTimeoutException"),
    ])
    func transientAnswersAreRetried(status: Int, code: String) async throws {
        let stub = try await Self.stub(script: [.init(status: status, code: code)])
        let vectors = try await Self.embedder(stub).embed(["a"])
        #expect(vectors.count == 1 && vectors[0].count == 256)
        #expect(try await stub.seen().requests.map(\.status) == [status, 200])
    }

    @Test(arguments: [
        (400, "ValidationException", EmbedderFailureKind.rejectedInput),
        (403, "AccessDeniedException", .configuration),
        (404, "ResourceNotFoundException", .configuration),
        (400, "ServiceQuotaExceededException", .configuration),
    ])
    func refusalsAreNotRetried(status: Int, code: String, kind: EmbedderFailureKind) async throws {
        let stub = try await Self.stub(script: [.init(status: status, code: code, message: "scripted \(code)")])
        let error = await Self.bedrockError { try await Self.embedder(stub).embed(["a"]) }
        #expect(error?.failureKind == kind)
        #expect("\(error.map(String.init(describing:)) ?? "")".contains("HTTP \(status) \(code): scripted \(code)"))
        #expect(try await stub.seen().requests.count == 1)
    }

    @Test func persistentThrottlingGivesUpAsATransientFailure() async throws {
        let throttled = BedrockStub.Failure(status: 429, code: "ThrottlingException", message: "Too many requests")
        let stub = try await Self.stub(script: [throttled, throttled, throttled])
        let error = await Self.bedrockError { try await Self.embedder(stub, maxAttempts: 3).embed(["a"]) }
        #expect(error == .gaveUp(attempts: 3, endpoint: stub.endpoint + "/",
                                 lastFailure: "HTTP 429 ThrottlingException (Too many requests)"))
        #expect(error?.failureKind == .transient, "the projection retries the batch later")
        #expect(try await stub.seen().requests.count == 3)
    }

    @Test(arguments: [300, 0, 1536, 128])
    func aDimensionTitanDoesNotMakeIsRefusedAtStartUp(dimension: Int) {
        let client = AWSServiceClient(endpoint: AWSEndpoint(service: "bedrock-runtime", region: "us-east-1"), region: "us-east-1",
                                      service: "bedrock", credentials: .fixed(AWSCredentials(accessKeyID: "a", secretAccessKey: "b")),
                                      timeout: .seconds(1))
        let error = #expect(throws: BedrockEmbedderError.self) {
            try BedrockEmbedder(settings: BedrockEmbedderSettings(dimension: dimension), client: client)
        }
        #expect(error?.failureKind == .configuration)
        #expect("\(error.map(String.init(describing:)) ?? "")".contains("256, 512 or 1024 dimensions, not \(dimension)"))
    }

    @Test func bedrockVectorsGoThroughTheEmbeddingCacheKeyedByTheModelID() throws {
        let client = AWSServiceClient(endpoint: AWSEndpoint(service: "bedrock-runtime", region: "eu-west-1"), region: "eu-west-1",
                                      service: "bedrock", credentials: .fixed(AWSCredentials(accessKeyID: "a", secretAccessKey: "b")),
                                      timeout: .seconds(1))
        let embedder = try BedrockEmbedder(settings: BedrockEmbedderSettings(), client: client)
        #expect(!((embedder as any Embedder) is any LocalEmbedder))
        #expect(embedder.model == "amazon.titan-embed-text-v2:0" && embedder.dimension == 1024)
        #expect(client.endpoint.url == "https://bedrock-runtime.eu-west-1.amazonaws.com/")
    }
}

/// Titan's JSON, without a server.
@Suite struct BedrockWireTests {
    @Test func theBodyIsTitansJSONWithNormalizeTrue() throws {
        let body = try BedrockWire.body(text: #"the "ember" library / ward 7"#, dimension: 512)
        #expect(String(decoding: body, as: UTF8.self)
            == #"{"dimensions":512,"inputText":"the \"ember\" library / ward 7","normalize":true}"#)
    }

    @Test func aVectorOfTheDimensionIsRead() throws {
        let body = Array(#"{"embedding": [0.6, -0.8], "inputTextTokenCount": 3}"#.utf8)
        #expect(try BedrockWire.vector(from: body, dimension: 2, modelID: "m") == [0.6, -0.8])
    }

    @Test(arguments: [
        (#"{"embedding": [0.6, -0.8, 0.0]}"#, BedrockEmbedderError.wrongDimension(expected: 2, received: 3, modelID: "m")),
        (#"{"embedding": [1e39, 0.0]}"#, .malformedResponse("component 0 of the embedding is 1e+39, not a finite number")),
        (#"{"embeddings": [[0.6, -0.8]]}"#, .malformedResponse(#"not a Titan embedding ({"embedding": [...]}): {"embeddings": [[0.6, -0.8]]}"#)),
    ])
    func answersThatAreNotAVectorOfTheDimensionAreRefused(json: String, error: BedrockEmbedderError) {
        #expect(throws: error) { try BedrockWire.vector(from: Array(json.utf8), dimension: 2, modelID: "m") }
    }
}

import Foundation
import KnowledgeBase
import Logging
@testable import RemoteEmbedding
import Testing

/// The pure parts: which statuses are retried, how long to wait, how responses become vectors.
@Suite struct RetryAndWireTests {
    @Test(arguments: [
        (200, ResponseDisposition.accept), (201, .accept),
        (408, .retry), (409, .retry), (429, .retry), (500, .retry), (502, .retry), (503, .retry), (504, .retry),
        (400, .fail), (401, .fail), (403, .fail), (404, .fail), (413, .fail), (422, .fail), (301, .fail),
    ])
    func statusDecidesWhetherToRetry(status: Int, disposition: ResponseDisposition) {
        #expect(ResponseDisposition(status: status) == disposition)
    }

    /// Bedrock names its transient errors; some come with a status that alone would not be retried.
    @Test(arguments: [
        (424, "ModelErrorException", ResponseDisposition.retry), (400, "ThrottlingException", .retry),
        (429, "ThrottlingException", .retry), (503, "ServiceUnavailableException", .retry),
        (500, "InternalServerException", .retry), (400, "ValidationException", .fail), (403, "AccessDeniedException", .fail),
        (404, "ResourceNotFoundException", .fail), (400, nil, .fail), (200, "ThrottlingException", .accept),
    ] as [(Int, String?, ResponseDisposition)])
    func anErrorCodeThatPassesByItselfIsRetriedWhateverItsStatus(status: Int, code: String?, disposition: ResponseDisposition) {
        #expect(ResponseDisposition(status: status, errorCode: code) == disposition)
    }

    /// Between attempts: Retry-After (capped) when the server sent it, else the backoff; nothing after the last.
    @Test(arguments: [
        (1, Duration?.none, Duration?.some(.milliseconds(500))), (2, nil, .seconds(1)), (1, .seconds(3), .seconds(3)),
        (1, .seconds(600), .seconds(60)), (1, .zero, .zero), (5, nil, nil), (5, .seconds(1), nil),
    ])
    func theLoopWaitsAsRetryAfterSaysElseTheBackoffAndStopsAfterTheLastAttempt(retry: Int, retryAfter: Duration?,
                                                                               wait: Duration?) {
        let loop = RetryLoop(maxAttempts: 5, backoff: RetryBackoff(jitter: false), retryAfterLimit: .seconds(60),
                             endpoint: "e", logger: Logger(label: "test"))
        #expect(loop.wait(beforeRetry: retry, after: RetryableFailure(cause: "c", retryAfter: retryAfter), unitRandom: 0.5) == wait)
    }

    @Test(arguments: [
        (429, "1", Duration.seconds(1)), (503, "0", .zero), (429, " 12 ", .seconds(12)),
        (500, "1", nil), (429, nil, nil), (429, "-1", nil), (503, "Wed, 21 Oct 2026 07:28:00 GMT", nil),
    ] as [(Int, String?, Duration?)])
    func retryAfterIsHonouredInSecondsOnTooManyRequestsAndUnavailable(status: Int, header: String?, wait: Duration?) {
        #expect(ResponseDisposition.retryAfter(status: status, header: header) == wait)
    }

    @Test func backoffDoublesFromHalfASecondUpToEightSeconds() {
        let backoff = RetryBackoff(jitter: false)
        let waits = (1...7).map { backoff.delay(beforeRetry: $0, unitRandom: 0.5) }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        #expect(backoff.delay(beforeRetry: 10_000, unitRandom: 0) == .seconds(8))
    }

    @Test func jitterDrawsBetweenHalfAndAllOfTheDelay() {
        let backoff = RetryBackoff()
        #expect(backoff.delay(beforeRetry: 3, unitRandom: 0) == .seconds(1))
        #expect(backoff.delay(beforeRetry: 3, unitRandom: 0.5) == .milliseconds(1_500))
        #expect(backoff.delay(beforeRetry: 3, unitRandom: 0.999_999) <= .seconds(2))
    }

    @Test(arguments: [
        (OpenAIEmbedderError.gaveUp(attempts: 5, endpoint: "e", lastFailure: "HTTP 503 (busy)"), EmbedderFailureKind.transient),
        (.wrongVectorCount(expected: 3, received: 2), .transient),
        (.rejected(status: 400, endpoint: "e", model: "m", serverMessage: "too many tokens"), .rejectedInput),
        (.rejected(status: 413, endpoint: "e", model: "m", serverMessage: "too large"), .rejectedInput),
        (.rejected(status: 422, endpoint: "e", model: "m", serverMessage: "unprocessable"), .rejectedInput),
        (.rejected(status: 403, endpoint: "e", model: "m", serverMessage: "no access"), .configuration),
        (.rejected(status: 404, endpoint: "e", model: "m", serverMessage: "no such model"), .configuration),
        (.unauthorized(endpoint: "e", keySource: "k", serverMessage: "bad key"), .configuration),
        (.wrongDimension(expected: 384, received: 1536, model: "m"), .configuration),
        (.malformedResponse("not JSON"), .configuration),
        (.missingAPIKey(environmentVariable: "OPENAI_API_KEY"), .configuration),
    ])
    func errorsTellTheProjectionWhetherToRetryDeadLetterOrStop(error: OpenAIEmbedderError, kind: EmbedderFailureKind) {
        #expect(error.failureKind == kind)
    }

    @Test func vectorsAreOrderedByIndex() throws {
        let body = Data(#"{"data":[{"index":1,"embedding":[0,1]},{"index":2,"embedding":[1,1]},{"index":0,"embedding":[1,0]}]}"#.utf8)
        #expect(try EmbeddingsWire.vectors(from: body, inputCount: 3, dimension: 2, model: "m") == [[1, 0], [0, 1], [1, 1]])
    }

    @Test func vectorsWithoutIndexKeepTheirListedOrder() throws {
        let body = Data(#"{"data":[{"embedding":[0.5,1]},{"embedding":[1,0.25]}]}"#.utf8)
        #expect(try EmbeddingsWire.vectors(from: body, inputCount: 2, dimension: 2, model: "m") == [[0.5, 1], [1, 0.25]])
    }

    @Test(arguments: [
        (#"{"data":[{"index":0,"embedding":[1,0]}]}"#, OpenAIEmbedderError.wrongVectorCount(expected: 2, received: 1)),
        (#"{"data":[{"index":0,"embedding":[1,0]},{"index":0,"embedding":[0,1]}]}"#,
         .malformedResponse("data[1].index 0 appears twice")),
        (#"{"data":[{"index":0,"embedding":[1,0]},{"index":5,"embedding":[0,1]}]}"#,
         .malformedResponse("data[1].index is 5, outside 0..<2")),
        (#"{"data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[0,1,0]}]}"#,
         .wrongDimension(expected: 2, received: 3, model: "m")),
    ])
    func inconsistentResponsesAreRejected(json: String, error: OpenAIEmbedderError) {
        #expect(throws: error) {
            try EmbeddingsWire.vectors(from: Data(json.utf8), inputCount: 2, dimension: 2, model: "m")
        }
    }

    @Test func base64OrOtherShapesAreReportedAsMalformed() {
        let error = #expect(throws: OpenAIEmbedderError.self) {
            try EmbeddingsWire.vectors(from: Data(#"{"data":[{"index":0,"embedding":"AAAA"}]}"#.utf8),
                                       inputCount: 1, dimension: 2, model: "m")
        }
        guard case .malformedResponse(let text) = error else {
            Issue.record("expected malformedResponse, got \(String(describing: error))")
            return
        }
        #expect(text.hasPrefix("data[0].embedding has the wrong type"))
    }

    @Test(arguments: [
        (#"{"error":{"message":"Invalid model","type":"invalid_request_error"}}"#, "Invalid model"),
        (#"{"error":"Input validation error: inputs must have less than 512 tokens","error_type":"Validation"}"#,
         "Input validation error: inputs must have less than 512 tokens"),
        (#"{"detail":"Not Found"}"#, "Not Found"),
        ("<html>\n  <body>Bad   Gateway</body>\n</html>", "<html> <body>Bad Gateway</body> </html>"),
        ("", "(empty body)"),
    ])
    func serverErrorMessagesAreExtracted(body: String, message: String) {
        #expect(EmbeddingsWire.errorMessage(from: Data(body.utf8)) == message)
    }

    @Test func longServerMessagesAreCutAfterRedaction() {
        let secret = "sk-abcdefghijklmnop"
        let body = Data((String(repeating: "x", count: 190) + " " + secret + " tail").utf8)
        let message = EmbeddingsWire.errorMessage(from: body) { $0.replacingOccurrences(of: secret, with: "<redacted>") }
        #expect(message == String(repeating: "x", count: 190) + " <redacted…")
        #expect(!message.contains("sk-abc"))
    }

    @Test(arguments: [
        ("https://api.openai.com/v1", "https://api.openai.com/v1/embeddings"),
        ("http://127.0.0.1:11434/v1/", "http://127.0.0.1:11434/v1/embeddings"),
    ])
    func requestsGoToBaseSlashEmbeddings(base: String, endpoint: String) {
        #expect(OpenAIEmbedderSettings(model: "m", dimension: 8, baseURL: base).endpoint == endpoint)
    }

    @Test(arguments: [
        OpenAIEmbedderSettings(model: "m", dimension: 8, baseURL: "ftp://example.com/v1"),
        OpenAIEmbedderSettings(model: "m", dimension: 8, baseURL: "not a url"),
        OpenAIEmbedderSettings(model: "m", dimension: 8, baseURL: "https://api.example.com/v1?x=1"),
        OpenAIEmbedderSettings(model: " ", dimension: 8),
        OpenAIEmbedderSettings(model: "m", dimension: 0),
        OpenAIEmbedderSettings(model: "m", dimension: 16_001),
        OpenAIEmbedderSettings(model: "m", dimension: 8, batchSize: 0),
        OpenAIEmbedderSettings(model: "m", dimension: 8, concurrentRequests: 0),
        OpenAIEmbedderSettings(model: "m", dimension: 8, requestTimeout: .zero),
        OpenAIEmbedderSettings(model: "m", dimension: 8, maxAttempts: 0),
    ])
    func unusableSettingsAreRejected(settings: OpenAIEmbedderSettings) {
        #expect(throws: OpenAIEmbedderError.self) { try settings.validate() }
    }

    @Test func printedSettingsShowTheKeySourceAndHideAURLPassword() {
        let settings = OpenAIEmbedderSettings(model: "text-embedding-3-small", dimension: 512,
                                              baseURL: "https://proxy-user:hunter2@proxy.example.com/v1",
                                              requestsDimension: true, apiKey: .file("/run/secrets/openai"))
        let printed = "\(settings)"
        #expect(printed == "openai model=text-embedding-3-small dimension=512 (requested) "
            + "url=https://proxy-user:redacted@proxy.example.com/v1 key=key file /run/secrets/openai "
            + "batch-size=64 concurrency=4 timeout=30.0 seconds attempts=5")
        #expect(!printed.contains("hunter2"))
    }
}

import Foundation
import KnowledgeBase
import Logging
@testable import RemoteEmbedding
import Testing

/// The embedder against an in-process fake of the embeddings API: batching, order, retries,
/// failures that must not be retried, and the API key's handling.
@Suite struct OpenAIEmbedderTests {
    static let key = "sk-test-4f9c2a7e1b8d3c6a5e0f"
    static let environment = ["TEST_EMBEDDING_KEY": key]
    static let quiet = Logger(label: "openai-embedder-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Waits of milliseconds, so that retries are quick. The timeout is generous unless a test
    /// stalls the server on purpose: a request that is merely slow on a busy machine must not
    /// be retried and change the request counts.
    static func settings(_ baseURL: String, dimension: Int = 16, batchSize: Int = 64, concurrentRequests: Int = 1,
                         maxAttempts: Int = 5, timeout: Duration = .seconds(10),
                         apiKey: APIKeySource = .environment("TEST_EMBEDDING_KEY"),
                         backoff: RetryBackoff = RetryBackoff(initial: .milliseconds(10), maximum: .milliseconds(10), jitter: false)
    ) -> OpenAIEmbedderSettings {
        OpenAIEmbedderSettings(model: "fake-embedding-1", dimension: dimension, baseURL: baseURL, apiKey: apiKey,
                               batchSize: batchSize, concurrentRequests: concurrentRequests, requestTimeout: timeout, maxAttempts: maxAttempts,
                               backoff: backoff)
    }

    static func embedder(_ settings: OpenAIEmbedderSettings) throws -> OpenAIEmbedder {
        try OpenAIEmbedder(settings: settings, environment: environment, logger: quiet)
    }

    /// The timeout of tests whose server stalls on purpose: long enough that an answering request is not cut off on
    /// a host the whole suite loads (1.5 s was not: five attempts in a row timed out in CI).
    static let shortTimeout = Duration.seconds(5)

    static let texts = (0..<10).map { "lore entry \($0): the ember library of the guardian \($0 * 7)" }

    /// The error `body` throws, or a test failure when it throws none or another kind.
    static func embedderError(_ body: () async throws -> some Any) async -> OpenAIEmbedderError? {
        do {
            _ = try await body()
            Issue.record("expected an OpenAIEmbedderError, got vectors")
        } catch let error as OpenAIEmbedderError {
            return error
        } catch {
            Issue.record("expected an OpenAIEmbedderError, got \(error)")
        }
        return nil
    }

    @Test func batchingSplitsOneHundredFiftyTextsIntoSixtyFourSixtyFourTwentyTwoAndKeepsOrder() async throws {
        try await FakeEmbeddingsServer.run { server, url in
            let texts = (0..<150).map { "text number \($0) about world \($0 % 7)" }
            let vectors = try await Self.embedder(Self.settings(url)).embed(texts)
            #expect(await server.batchSizes == [64, 64, 22])
            #expect(await server.requests.flatMap(\.input) == texts)
            #expect(vectors == texts.map(server.vectors.embedOne))
        }
    }

    @Test func concurrentBatchesComeBackInInputOrderWithinTheConcurrencyLimit() async throws {
        // Every batch but the third fails once, so batches finish out of order.
        let script: [FakeReply] = [.status(500), .status(500), .succeed, .status(500)]
        try await FakeEmbeddingsServer.run(script: script) { server, url in
            let texts = (0..<100).map { "entry \($0) of the world chronicle" }
            let vectors = try await Self.embedder(Self.settings(url, batchSize: 10, concurrentRequests: 3)).embed(texts)
            #expect(vectors == texts.map(server.vectors.embedOne))
            #expect(await server.batchSizes.count == 13)
            #expect(await server.mostInFlight <= 3)
        }
    }

    @Test func vectorsListedOutOfIndexOrderComeBackInInputOrder() async throws {
        try await FakeEmbeddingsServer.run(script: [.shuffled]) { server, url in
            let vectors = try await Self.embedder(Self.settings(url)).embed(Self.texts)
            #expect(vectors == Self.texts.map(server.vectors.embedOne))
        }
    }

    @Test func noTextsMeansNoRequest() async throws {
        try await FakeEmbeddingsServer.run { server, url in
            let vectors = try await Self.embedder(Self.settings(url)).embed([])
            #expect(vectors.isEmpty)
            #expect(await server.requests.isEmpty)
        }
    }

    @Test func requestCarriesModelAndFloatFormatAndDimensionsOnlyWhenAsked() async throws {
        try await FakeEmbeddingsServer.run { server, url in
            _ = try await Self.embedder(Self.settings(url)).embed(["one"])
            var asking = Self.settings(url)
            asking.requestsDimension = true
            _ = try await Self.embedder(asking).embed(["two"])
            let requests = await server.requests
            #expect(requests.map(\.model) == ["fake-embedding-1", "fake-embedding-1"])
            #expect(requests.map(\.encodingFormat) == ["float", "float"])
            #expect(requests.map(\.dimensions) == [nil, 16])
        }
    }

    @Test func aTimedOutRequestIsRetried() async throws {
        try await FakeEmbeddingsServer.run(script: [.stall]) { server, url in
            let vectors = try await Self.embedder(Self.settings(url, timeout: Self.shortTimeout)).embed(Self.texts)
            #expect(vectors == Self.texts.map(server.vectors.embedOne))
            // Two unless the retry was itself slower than the short timeout on a busy machine.
            #expect(await server.requests.count >= 2)
        }
    }

    @Test func aBodyThatStopsHalfwayTimesOutAndIsRetried() async throws {
        try await FakeEmbeddingsServer.run(script: [.stallMidBody]) { server, url in
            let vectors = try await Self.embedder(Self.settings(url, timeout: Self.shortTimeout)).embed(Self.texts)
            #expect(vectors == Self.texts.map(server.vectors.embedOne))
            #expect(await server.requests.count >= 2)
        }
    }

    @Test func rateLimitedRequestWaitsAsLongAsRetryAfterSays() async throws {
        try await FakeEmbeddingsServer.run(script: [.status(429, retryAfter: "1", message: "slow down")]) { server, url in
            let vectors = try await Self.embedder(Self.settings(url)).embed(Self.texts)
            #expect(vectors == Self.texts.map(server.vectors.embedOne))
            let arrivals = await server.requests.map(\.arrival)
            #expect(arrivals.count == 2)
            #expect(arrivals[0].duration(to: arrivals[1]) >= .seconds(1))
        }
    }

    @Test func retryAfterZeroRetriesAtOnceInsteadOfBackingOff() async throws {
        try await FakeEmbeddingsServer.run(script: [.status(503, retryAfter: "0")]) { server, url in
            // A backoff of a minute would stall the test; Retry-After: 0 overrides it.
            let slowBackoff = RetryBackoff(initial: .seconds(60), maximum: .seconds(60), jitter: false)
            let vectors = try await Self.embedder(Self.settings(url, backoff: slowBackoff)).embed(Self.texts)
            #expect(vectors == Self.texts.map(server.vectors.embedOne))
            let arrivals = await server.requests.map(\.arrival)
            #expect(arrivals.count == 2)
            #expect(arrivals[0].duration(to: arrivals[1]) < .seconds(30))
        }
    }

    @Test func serverErrorsTwiceThenSuccessGivesTheVectors() async throws {
        try await FakeEmbeddingsServer.run(script: [.status(500), .status(502)]) { server, url in
            let vectors = try await Self.embedder(Self.settings(url)).embed(Self.texts)
            #expect(vectors == Self.texts.map(server.vectors.embedOne))
            #expect(await server.requests.count == 3)
        }
    }

    @Test func persistentServerErrorGivesUpAfterMaxAttemptsNamingTheStatus() async throws {
        let script = [FakeReply](repeating: .status(500, message: "model overloaded"), count: 10)
        try await FakeEmbeddingsServer.run(script: script) { server, url in
            let error = await Self.embedderError { try await Self.embedder(Self.settings(url, maxAttempts: 4)).embed(Self.texts) }
            guard case .gaveUp(let attempts, _, let last) = error else {
                Issue.record("expected gaveUp, got \(String(describing: error))")
                return
            }
            #expect(attempts == 4)
            #expect(last == "HTTP 500 (model overloaded)")
            #expect("\(error!)".contains("after 4 attempts; last: HTTP 500 (model overloaded)"))
            #expect(await server.requests.count == 4)
        }
    }

    @Test func persistentTimeoutGivesUpNamingTheTimeout() async throws {
        try await FakeEmbeddingsServer.run(script: [.stall, .stall]) { server, url in
            let settings = Self.settings(url, maxAttempts: 2, timeout: Self.shortTimeout)
            let error = await Self.embedderError { try await Self.embedder(settings).embed(["x"]) }
            #expect(error == .gaveUp(attempts: 2, endpoint: url + "/embeddings", lastFailure: "no response within 5.0 seconds"))
            #expect(await server.requests.count == 2)
        }
    }

    @Test(arguments: [400, 403, 404, 422])
    func clientErrorIsNotRetried(status: Int) async throws {
        try await FakeEmbeddingsServer.run(script: [.status(status, message: "input is too long for this model")]) { server, url in
            let error = await Self.embedderError { try await Self.embedder(Self.settings(url)).embed(Self.texts) }
            #expect(error == .rejected(status: status, endpoint: url + "/embeddings", model: "fake-embedding-1",
                                       serverMessage: "input is too long for this model"))
            #expect(await server.requests.count == 1)
        }
    }

    @Test func unauthorizedSaysToCheckTheKey() async throws {
        try await FakeEmbeddingsServer.run(script: [.status(401, message: "Incorrect API key provided")]) { server, url in
            let error = await Self.embedderError { try await Self.embedder(Self.settings(url)).embed(Self.texts) }
            let description = error.map(String.init(describing:)) ?? ""
            #expect(description.contains("refused the API key (HTTP 401: Incorrect API key provided)"))
            #expect(description.contains("check the key in environment variable TEST_EMBEDDING_KEY"))
            #expect(await server.requests.count == 1)
        }
    }

    @Test func wrongDimensionNamesBothNumbers() async throws {
        try await FakeEmbeddingsServer.run(script: [.wrongDimension(32)]) { server, url in
            let error = await Self.embedderError { try await Self.embedder(Self.settings(url)).embed(Self.texts) }
            #expect(error == .wrongDimension(expected: 16, received: 32, model: "fake-embedding-1"))
            #expect("\(error!)".contains("model fake-embedding-1 returned vectors of 32 dimensions, but the embedding dimension is 16"))
            #expect(await server.requests.count == 1)
        }
    }

    @Test func keyFromTheEnvironmentTravelsAsBearerToken() async throws {
        try await FakeEmbeddingsServer.run { server, url in
            _ = try await Self.embedder(Self.settings(url)).embed(["a"])
            #expect(await server.requests.map(\.authorization) == ["Bearer \(Self.key)"])
        }
    }

    @Test func keyFromAFileTravelsAsBearerTokenWithoutItsNewline() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("embedding-key-\(UUID().uuidString)")
        try "sk-from-file-77\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try await FakeEmbeddingsServer.run { server, url in
            _ = try await Self.embedder(Self.settings(url, apiKey: .file(file.path))).embed(["a"])
            #expect(await server.requests.map(\.authorization) == ["Bearer sk-from-file-77"])
        }
    }

    @Test func noKeySendsNoAuthorizationHeader() async throws {
        try await FakeEmbeddingsServer.run { server, url in
            _ = try await Self.embedder(Self.settings(url, apiKey: .none)).embed(["a"])
            #expect(await server.requests.map(\.authorization) == [nil])
        }
    }

    @Test func missingKeySaysWhichVariableOrFlagToSet() {
        #expect(throws: OpenAIEmbedderError.missingAPIKey(environmentVariable: "OPENAI_API_KEY")) {
            try OpenAIEmbedder(settings: OpenAIEmbedderSettings(model: "text-embedding-3-small", dimension: 1536),
                               environment: ["OPENAI_API_KEY": ""])
        }
        let description = "\(OpenAIEmbedderError.missingAPIKey(environmentVariable: "OPENAI_API_KEY"))"
        #expect(description.contains("set OPENAI_API_KEY or --embedding-key-file"))
    }

    @Test func unreadableOrEmptyKeyFileIsReportedWithItsPath() throws {
        let missing = "/nonexistent/annals/embedding-key"
        #expect(throws: OpenAIEmbedderError.self) {
            try OpenAIEmbedder(settings: Self.settings("http://127.0.0.1:1/v1", apiKey: .file(missing)), environment: [:])
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-key-\(UUID().uuidString)")
        try "\n".write(to: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: OpenAIEmbedderError.emptyKeyFile(path: empty.path)) {
            try OpenAIEmbedder(settings: Self.settings("http://127.0.0.1:1/v1", apiKey: .file(empty.path)), environment: [:])
        }
    }

    @Test func keyWithSpacesIsRefusedWithoutQuotingIt() {
        let error = #expect(throws: OpenAIEmbedderError.self) {
            try OpenAIEmbedder(settings: Self.settings("http://127.0.0.1:1/v1"),
                               environment: ["TEST_EMBEDDING_KEY": "Bearer \(Self.key)"])
        }
        #expect(error == .malformedAPIKey(source: "environment variable TEST_EMBEDDING_KEY"))
        #expect(!"\(error!)".contains(Self.key))
    }

    @Test func theKeyNeverAppearsInAnyErrorDescription() async throws {
        let script: [FakeReply] = [.echoAuthorization(status: 401), .echoAuthorization(status: 400)]
            + [FakeReply](repeating: .echoAuthorization(status: 500), count: 2)
        try await FakeEmbeddingsServer.run(script: script) { server, url in
            let embedder = try Self.embedder(Self.settings(url, maxAttempts: 2))
            var errors: [OpenAIEmbedderError] = []
            for _ in 0..<3 {
                if let error = await Self.embedderError({ try await embedder.embed(["a"]) }) { errors.append(error) }
            }
            #expect(errors.count == 3)
            // The server did quote the key; the embedder must not pass it on.
            #expect(errors.allSatisfy { "\($0)".contains("credentials Bearer <redacted> were not accepted") })
            var printed = errors.map { "\($0) \(String(reflecting: $0))" }
            printed.append("\(embedder) \(String(reflecting: embedder))")
            var dumped = ""
            dump(embedder, to: &dumped)
            printed.append(dumped)
            for text in printed {
                #expect(!text.contains(Self.key), "the API key leaked into: \(text)")
            }
            #expect(await server.requests.count == 4)
        }
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        // Port 1 on loopback: nothing listens there, so every attempt is refused at once.
        let error = await Self.embedderError {
            try await Self.embedder(Self.settings("http://127.0.0.1:1/v1", maxAttempts: 2, timeout: Self.shortTimeout)).embed(["a"])
        }
        guard case .gaveUp(let attempts, _, let last) = error else {
            Issue.record("expected gaveUp, got \(String(describing: error))")
            return
        }
        #expect(attempts == 2)
        #expect(last.hasPrefix("connection failed: ") && last.contains("Connection refused"))
    }

    @Test func remoteEmbeddingsAreCachedAndKeyedByTheModelName() throws {
        let embedder = try Self.embedder(Self.settings("http://127.0.0.1:1/v1"))
        // Not local, so the projection goes through the embedding cache.
        #expect(!((embedder as any Embedder) is any LocalEmbedder))
        #expect(embedder.model == "fake-embedding-1")
        #expect(embedder.dimension == 16)
    }
}

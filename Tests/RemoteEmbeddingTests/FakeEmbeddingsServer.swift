import Foundation
import Hummingbird
import KnowledgeBase
import LoopbackHTTP
import NIOCore

/// What the fake server does with one request.
enum FakeReply: Sendable {
    /// 200 with the `HashingEmbedder` vectors of the inputs, in index order.
    case succeed
    /// No answer until the test ends: longer than any client timeout.
    case stall
    /// 200 and the first bytes of the body, then nothing more until the test ends.
    case stallMidBody
    /// This status, an optional `Retry-After`, and an error body.
    case status(Int, retryAfter: String? = nil, message: String = "scripted failure")
    /// 200 with vectors of this many components instead of the requested dimension.
    case wrongDimension(Int)
    /// 200 with the right vectors listed in reverse `index` order.
    case shuffled
    /// This status with an error message quoting the request's `Authorization` header in full.
    case echoAuthorization(status: Int)
}

/// One request as the fake server saw it.
struct RecordedRequest: Sendable {
    var authorization: String?
    var model: String
    var input: [String]
    var encodingFormat: String?
    var dimensions: Int?
    var arrival: ContinuousClock.Instant
}

/// An in-process OpenAI-compatible embeddings server on 127.0.0.1 (a port of its own), scripted
/// reply by reply; once the script runs out it succeeds. Vectors come from `HashingEmbedder`,
/// so tests can compare against the same embedder run locally.
actor FakeEmbeddingsServer {
    let vectors: HashingEmbedder
    private var script: [FakeReply]
    private(set) var requests: [RecordedRequest] = []
    /// The most requests the server was answering at one time.
    private(set) var mostInFlight = 0
    private var inFlight = 0
    private var stalled: [CheckedContinuation<Void, Never>] = []
    private var stallsReleased = false

    private init(dimension: Int, script: [FakeReply]) throws {
        self.vectors = try HashingEmbedder(dimension: dimension)
        self.script = script
    }

    /// Runs `body` with a server at `baseURL` (`http://127.0.0.1:<port>/v1`), then stops it.
    static func run<Value: Sendable>(
        dimension: Int = 16, script: [FakeReply] = [],
        _ body: @Sendable (_ server: FakeEmbeddingsServer, _ baseURL: String) async throws -> Value
    ) async throws -> Value {
        let server = try FakeEmbeddingsServer(dimension: dimension, script: script)
        let router = Router()
        router.post("v1/embeddings") { request, _ in try await server.respond(to: request) }
        return try await LoopbackServer.run(router, label: "fake-embeddings-server", beforeShutdown: { await server.releaseStalls() }) { port in
            try await body(server, "http://127.0.0.1:\(port)/v1")
        }
    }

    /// How many texts each request carried, in arrival order.
    var batchSizes: [Int] { requests.map(\.input.count) }

    private func record(_ request: RecordedRequest) -> FakeReply {
        requests.append(request)
        return script.isEmpty ? .succeed : script.removeFirst()
    }

    private func waitForRelease() async {
        guard !stallsReleased else { return }
        await withCheckedContinuation { stalled.append($0) }
    }

    private func releaseStalls() {
        stallsReleased = true
        stalled.forEach { $0.resume() }
        stalled.removeAll()
    }

    private func respond(to request: Request) async throws -> Response {
        inFlight += 1
        mostInFlight = max(mostInFlight, inFlight)
        defer { inFlight -= 1 }
        let body = try await request.body.collect(upTo: 16 << 20)
        let decoded = try JSONDecoder().decode(EmbeddingsRequest.self, from: Data(body.readableBytesView))
        let authorization = request.headers[.authorization]
        let reply = record(RecordedRequest(
            authorization: authorization, model: decoded.model, input: decoded.input,
            encodingFormat: decoded.encodingFormat, dimensions: decoded.dimensions, arrival: .now))
        switch reply {
        case .succeed:
            return try json(200, embeddings(decoded.input.map(vectors.embedOne), model: decoded.model))
        case .stall:
            await waitForRelease()
            return try json(200, embeddings(decoded.input.map(vectors.embedOne), model: decoded.model))
        case .stallMidBody:
            let data = try JSONEncoder().encode(embeddings(decoded.input.map(vectors.embedOne), model: decoded.model))
            let (head, rest) = (ByteBuffer(bytes: data.prefix(10)), ByteBuffer(bytes: data.dropFirst(10)))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await writer.write(head)
                await self.waitForRelease()
                try await writer.write(rest)
                try await writer.finish(nil)
            })
        case .status(let status, let retryAfter, let message):
            return try json(status, ErrorBody(message: message), retryAfter: retryAfter)
        case .wrongDimension(let dimension):
            let other = try HashingEmbedder(dimension: dimension)
            return try json(200, embeddings(decoded.input.map(other.embedOne), model: decoded.model))
        case .shuffled:
            var response = embeddings(decoded.input.map(vectors.embedOne), model: decoded.model)
            response.data.reverse()
            return try json(200, response)
        case .echoAuthorization(let status):
            return try json(status, ErrorBody(message: "credentials \(authorization ?? "none") were not accepted"))
        }
    }

    private func embeddings(_ vectors: [[Float]], model: String) -> EmbeddingsResponse {
        EmbeddingsResponse(
            data: vectors.enumerated().map { .init(index: $0.offset, embedding: $0.element) }, model: model)
    }

    private func json(_ status: Int, _ value: some Encodable, retryAfter: String? = nil) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = retryAfter }
        let data = try JSONEncoder().encode(value)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The request JSON as the server reads it.
private struct EmbeddingsRequest: Decodable {
    var model: String
    var input: [String]
    var encodingFormat: String?
    var dimensions: Int?

    enum CodingKeys: String, CodingKey {
        case model, input, dimensions
        case encodingFormat = "encoding_format"
    }
}

/// OpenAI's response JSON.
private struct EmbeddingsResponse: Encodable {
    struct Item: Encodable {
        var object = "embedding"
        var index: Int
        var embedding: [Float]
    }

    var object = "list"
    var data: [Item]
    var model: String
}

/// OpenAI's error JSON: `{"error": {"message": …, "type": …}}`.
private struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var message: String
        var type = "fake_error"
    }

    var error: Detail

    init(message: String) {
        error = Detail(message: message)
    }
}

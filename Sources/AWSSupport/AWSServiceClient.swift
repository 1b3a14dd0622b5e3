import AsyncHTTPClient
import HTTPClientSupport
import Foundation
import NIOCore
import NIOHTTP1

/// Sends SigV4-signed requests to one AWS service and returns whatever HTTP response comes back; a request that
/// gets no complete response within `timeout` (unreachable, stalled, cut off) fails as transient. Each request is
/// signed with the provider's current credentials; one refused for its credentials is sent once more if the provider
/// has newer ones (task role credentials renewed meanwhile).
///
/// Uses `HTTPClient.shared` by default: the process-wide client that needs no shutdown.
public struct AWSServiceClient: Sendable {
    public let endpoint: AWSEndpoint
    public let region: String
    /// The signing name of the service, e.g. `ecs`, `autoscaling`.
    public let service: String
    public let credentials: AWSCredentialsProvider
    public let timeout: Duration
    /// The `User-Agent` of every request, e.g. `annals-scaling-worker`.
    public let userAgent: String
    private let httpClient: HTTPClient

    /// How long after `post` starts its request may still reach the service: credentials fetched (and renewed once)
    /// and the request sent (and once more), each bounded by `timeout`.
    public var longestCall: Duration { timeout * 4 }
    public init(endpoint: AWSEndpoint, region: String, service: String, credentials: AWSCredentialsProvider,
                timeout: Duration, userAgent: String = "annals", httpClient: HTTPClient = .shared) {
        self.endpoint = endpoint
        self.region = region
        self.service = service
        self.credentials = credentials
        self.timeout = timeout
        self.userAgent = userAgent
        self.httpClient = httpClient
    }

    /// A client signing every request with `signer`'s fixed credentials.
    public init(endpoint: AWSEndpoint, signer: AWSSigV4, timeout: Duration, httpClient: HTTPClient = .shared) {
        self.init(endpoint: endpoint, region: signer.region, service: signer.service, credentials: .fixed(signer.credentials),
                  timeout: timeout, httpClient: httpClient)
    }

    /// One response.
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]

        public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Signs and posts `body` to the path made of `pathSegments` (unencoded; none: `/`) with `headers` (besides Host
    /// and the signature), e.g. `["model", "amazon.titan-embed-text-v2:0", "invoke"]` for
    /// `/model/amazon.titan-embed-text-v2%3A0/invoke`; `operation` names the call in failures.
    public func post(pathSegments: [String] = [], headers: [(name: String, value: String)], body: [UInt8], operation: String,
                     at date: Date = Date()) async throws(AWSFailure) -> Response {
        try await send(method: "POST", pathSegments: pathSegments, headers: headers, body: body, operation: operation, at: date)
    }

    /// Signs and sends one request: `method` to the path made of `pathSegments` with `query` (both unencoded),
    /// `headers` and `body`; a response larger than `responseByteLimit` bytes fails.
    public func send(method: String, pathSegments: [String] = [], query: [(name: String, value: String)] = [],
                     headers: [(name: String, value: String)], body: [UInt8] = [], responseByteLimit: Int = 1 << 20,
                     operation: String, at date: Date = Date()) async throws(AWSFailure) -> Response {
        let request = AWSSigV4.Request(method: method, path: AWSSigV4.encodedPath(pathSegments), query: query,
                                       headers: [("Host", endpoint.hostHeader)] + headers, body: body)
        let used = try await credentials.current(at: date)
        let response = try await send(request, limit: responseByteLimit, operation: operation, signedWith: used, at: date)
        guard !(200..<300).contains(response.status),
              AWSErrorResponse(response).blamesCredentials,
              let renewed = await credentials.renewed(afterRefusalOf: used, at: date)
        else { return response }
        return try await send(request, limit: responseByteLimit, operation: operation, signedWith: renewed, at: date)
    }

    private func send(_ unsigned: AWSSigV4.Request, limit: Int, operation: String, signedWith credentials: AWSCredentials,
                      at date: Date) async throws(AWSFailure) -> Response {
        let signer = AWSSigV4(credentials: credentials, region: region, service: service)
        let signed = signer.sign(unsigned, at: date)
        let query = unsigned.query.map { "\(AWSSigV4.uriEncode($0.name))=\(AWSSigV4.uriEncode($0.value))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: endpoint.url(path: unsigned.path) + (query.isEmpty ? "" : "?" + query))
        request.method = HTTPMethod(rawValue: unsigned.method)
        for (name, value) in unsigned.headers + signed.headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: userAgent)
        request.body = .bytes(ByteBuffer(bytes: unsigned.body))
        let deadline = ContinuousClock.now + timeout
        do {
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(timeout))
            guard let bytes = try await response.body.collect(upTo: limit, until: deadline) else {
                throw AWSFailure(.transient, "\(operation): the response from \(endpoint) did not finish within \(timeout); retrying")
            }
            return Response(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
        } catch let failure as AWSFailure {
            throw failure
        } catch let error as HTTPClientError where Self.timeouts.contains(error) {
            throw AWSFailure(.transient, "\(operation): no response from \(endpoint) within \(timeout); retrying")
        } catch is NIOTooManyBytesError {
            throw AWSFailure(.transient, "\(operation): the response from \(endpoint) is larger than \(limit) bytes")
        } catch {
            if Task.isCancelled {
                throw AWSFailure(.transient, "\(operation): cancelled while waiting for \(endpoint)")
            }
            throw AWSFailure(.transient, "\(operation): cannot reach \(endpoint) (\(error)): check --aws-endpoint and the network; retrying")
        }
    }

    static let timeouts: [HTTPClientError] = [
        .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
    ]
}

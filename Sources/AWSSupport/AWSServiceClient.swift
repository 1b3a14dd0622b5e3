import AsyncHTTPClient
import HTTPClientSupport
import Foundation
import NIOCore
import NIOHTTP1

/// Posts SigV4-signed requests to one AWS service and returns whatever HTTP response comes back; a request that
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
    /// Responses larger than this are cut off as malformed; these APIs answer in a few kilobytes.
    private static let responseByteLimit = 1 << 20

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
        let path = AWSSigV4.encodedPath(pathSegments)
        let used = try await credentials.current(at: date)
        let response = try await post(path: path, headers: headers, body: body, operation: operation, signedWith: used, at: date)
        guard !(200..<300).contains(response.status),
              AWSErrorResponse(response).blamesCredentials,
              let renewed = await credentials.renewed(afterRefusalOf: used, at: date)
        else { return response }
        return try await post(path: path, headers: headers, body: body, operation: operation, signedWith: renewed, at: date)
    }

    private func post(path: String, headers: [(name: String, value: String)], body: [UInt8], operation: String,
                      signedWith credentials: AWSCredentials, at date: Date) async throws(AWSFailure) -> Response {
        let signer = AWSSigV4(credentials: credentials, region: region, service: service)
        let signed = signer.sign(
            AWSSigV4.Request(method: "POST", path: path, headers: [("Host", endpoint.hostHeader)] + headers, body: body), at: date)
        var request = HTTPClientRequest(url: endpoint.url(path: path))
        request.method = .POST
        request.headers.add(name: "Host", value: endpoint.hostHeader)
        for (name, value) in headers + signed.headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: userAgent)
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = ContinuousClock.now + timeout
        do {
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(timeout))
            guard let bytes = try await response.body.collect(upTo: Self.responseByteLimit, until: deadline) else {
                throw AWSFailure(.transient, "\(operation): the response from \(endpoint) did not finish within \(timeout); retrying")
            }
            return Response(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
        } catch let failure as AWSFailure {
            throw failure
        } catch let error as HTTPClientError where Self.timeouts.contains(error) {
            throw AWSFailure(.transient, "\(operation): no response from \(endpoint) within \(timeout); retrying")
        } catch is NIOTooManyBytesError {
            throw AWSFailure(.transient, "\(operation): the response from \(endpoint) is larger than \(Self.responseByteLimit) bytes")
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

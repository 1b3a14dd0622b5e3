import Crypto
import Foundation

/// The few S3 calls an archive needs: put an object once, get it, list keys under a prefix. Path-style requests
/// (`/bucket/key`) to an endpoint given with `--endpoint` (MinIO, LocalStack, moto), virtual-hosted ones
/// (`bucket.s3.region.amazonaws.com/key`) to AWS. Signed with SigV4 for `s3`, the payload's SHA-256 included.
public struct S3Client: Sendable {
    public let bucket: String
    private let client: AWSServiceClient
    private let pathStyle: Bool
    /// The largest object `get` reads.
    public static let objectByteLimit = 256 << 20

    /// A client of `bucket` in `region`; `endpoint` nil means AWS's.
    public init(bucket: String, region: String, endpoint: AWSEndpoint?, credentials: AWSCredentialsProvider,
                timeout: Duration = .seconds(60), userAgent: String = "annals") throws(AWSSettingsError) {
        try AWSEndpoint.validate(region: region)
        self.bucket = bucket
        pathStyle = endpoint != nil
        let host = endpoint ?? AWSEndpoint(bucketHost: "\(bucket).s3.\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : ""))
        client = AWSServiceClient(endpoint: host, region: region, service: "s3", credentials: credentials,
                                  timeout: timeout, userAgent: userAgent)
    }

    /// Where the client sends its requests.
    public var endpoint: AWSEndpoint { client.endpoint }

    /// What a put found.
    public enum PutOutcome: Sendable, Equatable {
        /// The object was written.
        case written
        /// An object was already there under the key (`If-None-Match: *`): nothing was written.
        case alreadyThere
    }

    /// Writes `body` under `key` unless an object is already there (S3's conditional write); `contentType` as given.
    public func putNew(_ key: String, body: [UInt8], contentType: String = "application/octet-stream") async throws(AWSFailure)
        -> PutOutcome
    {
        let operation = "S3 PutObject s3://\(bucket)/\(key)"
        let response = try await client.send(
            method: "PUT", pathSegments: segments(key),
            headers: [("Content-Type", contentType), ("If-None-Match", "*"), ("x-amz-content-sha256", Self.sha256Hex(body))],
            body: body, operation: operation)
        if (200..<300).contains(response.status) { return .written }
        if response.status == 412 { return .alreadyThere }
        throw failure(response, operation)
    }

    /// The object under `key`; nil when there is none.
    public func get(_ key: String) async throws(AWSFailure) -> [UInt8]? {
        let operation = "S3 GetObject s3://\(bucket)/\(key)"
        let response = try await client.send(
            method: "GET", pathSegments: segments(key), headers: [("x-amz-content-sha256", Self.sha256Hex([]))],
            responseByteLimit: Self.objectByteLimit, operation: operation)
        if (200..<300).contains(response.status) { return response.body }
        if response.status == 404 { return nil }
        throw failure(response, operation)
    }

    /// One object of a listing.
    public struct Object: Sendable, Equatable {
        public var key: String
        public var size: Int
    }

    /// Every object whose key starts with `prefix`, in key order (ListObjectsV2, page after page).
    public func list(prefix: String) async throws(AWSFailure) -> [Object] {
        let operation = "S3 ListObjectsV2 s3://\(bucket)/\(prefix)"
        var objects: [Object] = []
        var token: String?
        repeat {
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await client.send(
                method: "GET", pathSegments: pathStyle ? [bucket] : [], query: query,
                headers: [("x-amz-content-sha256", Self.sha256Hex([]))], responseByteLimit: 16 << 20, operation: operation)
            guard (200..<300).contains(response.status) else { throw failure(response, operation) }
            let xml = Substring(String(decoding: response.body, as: UTF8.self))
            for contents in AWSErrorResponse.elements("Contents", in: xml) {
                guard let key = AWSErrorResponse.elements("Key", in: contents).first else { continue }
                let size = AWSErrorResponse.elements("Size", in: contents).first.flatMap { Int($0) } ?? 0
                objects.append(Object(key: AWSErrorResponse.decodeEntities(String(key)), size: size))
            }
            let truncated = AWSErrorResponse.elements("IsTruncated", in: xml).first == "true"
            token = truncated ? AWSErrorResponse.elements("NextContinuationToken", in: xml).first.map(String.init) : nil
            if truncated, token == nil {
                throw AWSFailure(.rejected, "\(operation): a truncated listing without a continuation token")
            }
        } while token != nil
        return objects.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// The path of `key`: `/bucket/key` path-style, `/key` virtual-hosted; a key's `/` separate segments.
    private func segments(_ key: String) -> [String] {
        (pathStyle ? [bucket] : []) + key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    private func failure(_ response: AWSServiceClient.Response, _ operation: String) -> AWSFailure {
        AWSErrorResponse(response).failure(
            operation: operation,
            advice: "check that the bucket \(bucket) exists in this region and that the credentials may read, write and list it")
    }

    /// The SHA-256 of `bytes`, lower-case hex: what S3 signs payloads with, and what archive manifests record.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        AWSSigV4.hex(SHA256.hash(data: bytes))
    }
}

extension AWSEndpoint {
    /// `https://host` for a bucket's virtual host.
    init(bucketHost host: String) {
        scheme = "https"
        self.host = host
        port = nil
    }
}

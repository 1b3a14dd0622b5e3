import AWSSupport
import Foundation
import Logging

/// The archive's calls to its bucket, blocking (see `blockingWait`), each tried again with exponential backoff while
/// it fails transiently (throttled, unreachable, a server error), up to `attempts` times.
public struct ArchiveStore: Sendable {
    public let s3: S3Client
    public let attempts: Int
    let logger: Logger

    public init(s3: S3Client, attempts: Int = 6, logger: Logger) {
        self.s3 = s3
        self.attempts = max(1, attempts)
        self.logger = logger
    }

    public func list(prefix: String) throws -> [S3Client.Object] {
        try retrying("list \(prefix)") { [s3] in try await s3.list(prefix: prefix) }
    }

    public func get(_ key: String) throws -> [UInt8]? {
        try retrying("get \(key)") { [s3] in try await s3.get(key) }
    }

    public func putNew(_ key: String, body: [UInt8], contentType: String) throws -> S3Client.PutOutcome {
        try retrying("put \(key)") { [s3] in try await s3.putNew(key, body: body, contentType: contentType) }
    }

    private func retrying<T: Sendable>(_ what: String, _ call: @escaping @Sendable () async throws -> T) throws -> T {
        var delay = 0.5
        var attempt = 1
        while true {
            do {
                return try blockingWait(call)
            } catch let failure as AWSFailure where failure.kind == .transient && attempt < attempts {
                logger.warning("archive store call failed, retrying", metadata: [
                    "call": "\(what)", "attempt": "\(attempt)", "retry-in-seconds": "\(delay)", "error": "\(failure)",
                ])
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 16)
                attempt += 1
            }
        }
    }
}

import AsyncHTTPClient
import NIOCore

extension HTTPClientResponse.Body {
    /// The whole body (at most `limit` bytes), or nil when `deadline` passes first, say for a body that trickles in.
    /// The loser is cancelled, which cancels the request. AsyncHTTPClient's own deadline ends with the response
    /// head: this bounds the body too.
    public func collect(upTo limit: Int, until deadline: ContinuousClock.Instant) async throws -> ByteBuffer? {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await self.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}

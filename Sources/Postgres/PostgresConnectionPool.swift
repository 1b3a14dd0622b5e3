import Dispatch
import Foundation

/// A fixed number of blocking connections, each used on a serial dispatch queue of its own, for servers that
/// answer many requests at once: `withConnection` hands a free connection to a closure run off the cooperative
/// thread pool and waits for it asynchronously. Connections open on first use; a connection that broke is
/// reopened before the next request uses it.
public final class PostgresConnectionPool: @unchecked Sendable {
    // Safe: the mutable `state` is only reached under `lock`; the rest is immutable.
    /// One connection and the only queue that touches it.
    private final class Slot: @unchecked Sendable {
        // Safe: `connection` is read and written only by blocks on `queue`, which runs one at a time, and a slot
        // is lent to one request at a time.
        let queue: DispatchQueue
        var connection: PostgresConnection?

        init(index: Int) {
            queue = DispatchQueue(label: "annals.postgres-pool.\(index)")
        }
    }

    private struct State {
        var idle: [Slot]
        var waiting: [CheckedContinuation<Slot, Never>] = []
    }

    private let conninfo: String
    private var state: State
    private let lock = NSLock()
    /// How many connections the pool holds.
    public let size: Int

    /// A pool of `size` connections from a libpq URL or conninfo; nothing connects until used.
    public init(conninfo: String, size: Int) {
        precondition(size > 0, "a pool needs at least one connection")
        self.conninfo = conninfo
        self.size = size
        state = State(idle: (0..<size).reversed().map(Slot.init(index:)))
    }

    /// Runs `body` with a connection of its own, on that connection's queue; waits while every connection is busy.
    /// The connection is back in the pool when `body` returns; `body` must not keep it.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let slot = await acquire()
        defer { release(slot) }
        let conninfo = self.conninfo
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async {
                continuation.resume(with: Result {
                    let connection = try Self.usableConnection(in: slot, conninfo: conninfo)
                    return try body(connection)
                })
            }
        }
    }

    private static func usableConnection(in slot: Slot, conninfo: String) throws -> PostgresConnection {
        if let connection = slot.connection {
            if connection.isHealthy, !connection.isInTransaction { return connection }
            slot.connection = nil
        }
        let connection = try PostgresConnection(conninfo: conninfo)
        slot.connection = connection
        return connection
    }

    private func acquire() async -> Slot {
        await withCheckedContinuation { continuation in
            lock.lock()
            let slot = state.idle.popLast()
            if slot == nil { state.waiting.append(continuation) }
            lock.unlock()
            if let slot { continuation.resume(returning: slot) }
        }
    }

    private func release(_ slot: Slot) {
        lock.lock()
        let waiter = state.waiting.isEmpty ? nil : state.waiting.removeFirst()
        if waiter == nil { state.idle.append(slot) }
        lock.unlock()
        waiter?.resume(returning: slot)
    }
}

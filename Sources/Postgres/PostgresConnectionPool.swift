import Dispatch
import Foundation

/// A fixed number of blocking connections, each used on a serial dispatch queue of its own, for servers that
/// answer many requests at once: `withConnection` hands a free connection to a closure run off the cooperative
/// thread pool and waits for it asynchronously. Connections open on first use; a connection that broke is
/// reopened before the next request uses it.
public final class PostgresConnectionPool: @unchecked Sendable {
    // Safe: the mutable `state` is only reached under `lock`; the rest is immutable. A connection is lent to one
    // request at a time.
    private struct State {
        var idle: [SerialConnection]
        var waiting: [CheckedContinuation<SerialConnection, Never>] = []
    }

    private var state: State
    private let lock = NSLock()
    /// How many connections the pool holds.
    public let size: Int

    /// A pool of `size` connections from a libpq URL or conninfo; nothing connects until used.
    public init(conninfo: String, size: Int) {
        precondition(size > 0, "a pool needs at least one connection")
        self.size = size
        state = State(idle: (0..<size).reversed().map {
            SerialConnection(conninfo: conninfo, label: "annals.postgres-pool.\($0)")
        })
    }

    /// Runs `body` with a connection of its own, on that connection's queue; waits while every connection is busy.
    /// The connection is back in the pool when `body` returns; `body` must not keep it.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let slot = await acquire()
        defer { release(slot) }
        return try await slot.run(body)
    }

    private func acquire() async -> SerialConnection {
        await withCheckedContinuation { continuation in
            lock.lock()
            let slot = state.idle.popLast()
            if slot == nil { state.waiting.append(continuation) }
            lock.unlock()
            if let slot { continuation.resume(returning: slot) }
        }
    }

    private func release(_ slot: SerialConnection) {
        lock.lock()
        let waiter = state.waiting.isEmpty ? nil : state.waiting.removeFirst()
        if waiter == nil { state.idle.append(slot) }
        lock.unlock()
        waiter?.resume(returning: slot)
    }
}

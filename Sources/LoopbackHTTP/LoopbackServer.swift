import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// An HTTP server on 127.0.0.1 for the length of a closure: the stand-ins that tests and the GPU simulation serve
/// (dcgm-exporter, an inference server, IMDS, an embeddings API) on a port of their own.
public enum LoopbackServer {
    /// Serves `router` on 127.0.0.1 at a free port, runs `body` with the port, then runs `beforeShutdown` (to release
    /// requests the server holds open) and stops the server. `body`'s error, if any, is rethrown after the stop.
    public static func run<Value: Sendable>(
        _ router: Router<BasicRequestContext>, label: String,
        beforeShutdown: @Sendable () async -> Void = {},
        _ body: @Sendable (_ port: Int) async throws -> Value
    ) async throws -> Value {
        let quiet = Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: quiet)
        let serviceGroup = ServiceGroup(services: [application], logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await serviceGroup.run()
            }
            var firstPort = ports.makeAsyncIterator()
            guard let port = await firstPort.next(), port > 0 else {
                try await group.waitForAll()
                throw LoopbackServerError(label: label)
            }
            let result: Result<Value, any Error>
            do {
                result = .success(try await body(port))
            } catch {
                result = .failure(error)
            }
            await beforeShutdown()
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }
}

/// The server stopped before it listened.
public struct LoopbackServerError: Error, CustomStringConvertible {
    public let label: String
    public var description: String { "\(label): the server stopped before listening on 127.0.0.1" }
}

import ServiceLifecycle

/// When a background service of the worker works: once at start, after each `wake()` (a batch committed) and every
/// `interval`, until graceful shutdown; wake-ups that arrive while it works fold into one more round.
struct Wakeups: Sendable {
    private let interval: Duration
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(every interval: Duration) {
        self.interval = interval
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a round soon.
    func wake() {
        continuation.yield()
    }

    /// Runs `round` as wake-ups come, until graceful shutdown.
    func run(_ round: @Sendable () async -> Void) async {
        continuation.yield()
        await withDiscardingTaskGroup { group in
            group.addTask { [continuation, interval] in
                while (try? await Task.sleep(for: interval)) != nil { continuation.yield() }
            }
            await withGracefulShutdownHandler {
                for await _ in stream { await round() }
            } onGracefulShutdown: { [continuation] in
                continuation.finish()
            }
            group.cancelAll()
        }
    }
}

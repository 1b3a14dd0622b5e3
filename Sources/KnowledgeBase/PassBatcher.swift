import Dispatch
import Foundation
import Synchronization

/// Work arriving concurrently, done in passes on threads of its own: the items waiting when a pass starts are done
/// together (`pass`, up to `itemsPerPass` of them), so that what every item reads (a model's weights, a matrix of
/// vectors) is read once per pass instead of once per item. The threads live as long as the process: make one
/// batcher per kind of work, not per request.
public final class PassBatcher<Input: Sendable, Output: Sendable>: Sendable {
    /// Most items one pass takes: a larger pass reads shared data fewer times, but every item in it waits for all.
    public let itemsPerPass: Int
    /// Passes run so far.
    public var passes: Int { passesRun.load(ordering: .relaxed) }

    private let pass: @Sendable ([Input]) throws -> [Output]
    private let passesRun = Atomic<Int>(0)
    private let waiting = Mutex<[Item]>([])
    private let arrivals = DispatchSemaphore(value: 0)

    private struct Item {
        let input: Input
        let continuation: CheckedContinuation<Output, any Error>
    }

    /// `threads` threads named `name-N`, each running one `pass` at a time over at most `itemsPerPass` items;
    /// `pass` returns one output per input, in order.
    public init(name: String, threads: Int, itemsPerPass: Int, pass: @escaping @Sendable ([Input]) throws -> [Output]) {
        self.itemsPerPass = max(itemsPerPass, 1)
        self.pass = pass
        for index in 0..<max(threads, 1) {
            let thread = Thread { [self] in self.runForever() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// `input`'s output, from the next pass that takes it.
    public func submit(_ input: Input) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            waiting.withLock { $0.append(Item(input: input, continuation: continuation)) }
            arrivals.signal()
        }
    }

    /// One thread: waits for an item, takes it and those waiting behind it (up to `itemsPerPass`), runs the pass.
    private func runForever() {
        while true {
            arrivals.wait()
            let batch = waiting.withLock { waiting -> [Item] in
                let taken = Array(waiting.prefix(itemsPerPass))
                waiting.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { continue }  // another thread took this arrival's item with its own
            passesRun.add(1, ordering: .relaxed)
            do {
                let outputs = try pass(batch.map(\.input))
                guard outputs.count == batch.count else {
                    throw PassBatcherError(message: "a pass returned \(outputs.count) outputs for \(batch.count) inputs")
                }
                for (item, output) in zip(batch, outputs) { item.continuation.resume(returning: output) }
            } catch {
                batch.forEach { $0.continuation.resume(throwing: error) }
            }
        }
    }
}

/// A pass broke its contract.
public struct PassBatcherError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

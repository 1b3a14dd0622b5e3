import Synchronization

/// A flag one task sets to ask a blocking loop on another thread to finish.
public final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    /// Ask the loop to finish its batch in flight and return.
    public func request() {
        requested.store(true, ordering: .releasing)
    }

    public var isRequested: Bool {
        requested.load(ordering: .acquiring)
    }
}

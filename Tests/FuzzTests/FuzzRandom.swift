@testable import AnnalsMetrics

/// The fuzz cases' generator: the load traces' SplitMix64, whose sequence is fixed by its seed, so a failing case can
/// be replayed (ANNALS_FUZZ_SEED).
typealias FuzzRandom = SeededRandom

extension SeededRandom {
    /// Uniform in `0..<bound` (bound ≥ 1).
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(max(1, bound)))
    }

    /// True once in `n` draws on average.
    mutating func oneIn(_ n: Int) -> Bool {
        below(n) == 0
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    mutating func byte() -> UInt8 {
        UInt8(truncatingIfNeeded: next())
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in byte() }
    }
}

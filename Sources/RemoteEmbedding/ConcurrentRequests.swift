/// Runs one request per index with a bounded number in flight, and gives the results back in index order whatever
/// order they finish in. The first request that throws fails the whole and cancels the others.
enum ConcurrentRequests {
    /// `request(i)` for every i in 0..<count, at most `limit` at a time; results in index order.
    static func map<Value: Sendable>(count: Int, limit: Int,
                                     _ request: @escaping @Sendable (Int) async throws -> Value) async throws -> [Value] {
        var results = [Value?](repeating: nil, count: count)
        try await withThrowingTaskGroup(of: (Int, Value).self) { group in
            var next = 0
            func startNext() {
                guard next < count else { return }
                let index = next
                group.addTask { (index, try await request(index)) }
                next += 1
            }
            for _ in 0..<max(limit, 1) { startNext() }
            while let (index, value) = try await group.next() {
                results[index] = value
                startNext()
            }
        }
        // Every index was started and none threw, so every slot is filled.
        return results.compactMap { $0 }
    }
}

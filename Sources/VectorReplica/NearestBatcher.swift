import KnowledgeBase

/// Searches arriving concurrently, answered in passes on a thread of its own (`PassBatcher`): the queries waiting
/// when a pass starts that search the same index are compared with its global chunks together, so those vectors
/// (3.8 MB of bytes at 10,000 chunks of 384) are read from memory once per pass rather than once per query, which is
/// most of what a single query costs. One per process.
public enum NearestBatcher {
    /// Most queries one pass takes.
    public static let queriesPerPass = 16

    private static let batcher = PassBatcher<(index: ChunkVectorIndex, query: NearestQuery),
                                             Result<[ScoredChunk], ChunkVectorIndexError>>(
        name: "vector-search", threads: 1, itemsPerPass: queriesPerPass, pass: answer)

    /// `index.nearest(to:worldID:limit:)`, in the next pass.
    public static func nearest(in index: ChunkVectorIndex, to vector: [Float], worldID: String?, limit: Int) async throws
        -> [ScoredChunk]
    {
        try await batcher.submit((index, NearestQuery(vector: vector, worldID: worldID, limit: limit))).get()
    }

    /// Passes run so far.
    public static var passes: Int { batcher.passes }

    /// One pass: the queries grouped by the index they search (normally all the same), each group in one call.
    static func answer(_ items: [(index: ChunkVectorIndex, query: NearestQuery)]) -> [Result<[ScoredChunk], ChunkVectorIndexError>] {
        var answers = [Result<[ScoredChunk], ChunkVectorIndexError>](repeating: .success([]), count: items.count)
        let groups = Dictionary(grouping: items.indices) { items[$0].index.generation }
        for members in groups.values {
            let index = items[members[0]].index
            let valid = members.filter { items[$0].query.vector.count == index.dimension }
            for member in members where !valid.contains(member) {
                answers[member] = .failure(.dimensionMismatch(index: index.dimension, vector: items[member].query.vector.count))
            }
            guard !valid.isEmpty else { continue }
            do {
                for (member, found) in zip(valid, try index.nearest(valid.map { items[$0].query })) { answers[member] = .success(found) }
            } catch {
                valid.forEach { answers[$0] = .failure(error) }
            }
        }
        return answers
    }
}

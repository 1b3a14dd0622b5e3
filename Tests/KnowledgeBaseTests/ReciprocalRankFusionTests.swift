import KnowledgeBase
import Testing

@Suite struct ReciprocalRankFusionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rankings: [[String]]
        var rrfK: Int
        /// Expected order with each item's ranks.
        var expected: [(item: String, ranks: [Int?])]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no rankings", rankings: [], rrfK: 60, expected: []),
        Case(name: "empty rankings", rankings: [[], []], rrfK: 60, expected: []),
        Case(name: "one ranking keeps its order", rankings: [["c", "a", "b"]], rrfK: 60,
             expected: [("c", [1]), ("a", [2]), ("b", [3])]),
        Case(name: "found by both beats found by one at the top", rankings: [["a", "b"], ["b", "c"]], rrfK: 60,
             expected: [("b", [2, 1]), ("a", [1, nil]), ("c", [nil, 2])]),
        Case(name: "same ranks in different lists tie, broken by item order", rankings: [["y", "x"], ["x", "y"]], rrfK: 60,
             expected: [("x", [2, 1]), ("y", [1, 2])]),
        Case(name: "first place in one list ties first place in the other", rankings: [["q"], ["p"]], rrfK: 60,
             expected: [("p", [nil, 1]), ("q", [1, nil])]),
        Case(name: "a duplicate counts at its best rank only", rankings: [["a", "b", "a"], ["b"]], rrfK: 60,
             expected: [("b", [2, 1]), ("a", [1, nil])]),
        Case(name: "k = 0: 1/rank, so rank 1 in one list beats ranks 3 and 3",
             rankings: [["a", "m", "b"], ["n", "o", "b"]], rrfK: 0,
             expected: [("a", [1, nil]), ("n", [nil, 1]), ("b", [3, 3]), ("m", [2, nil]), ("o", [nil, 2])]),
        Case(name: "k = 60: ranks 3 and 3 beat rank 1 alone", rankings: [["a", "m", "b"], ["n", "o", "b"]], rrfK: 60,
             expected: [("b", [3, 3]), ("a", [1, nil]), ("n", [nil, 1]), ("m", [2, nil]), ("o", [nil, 2])]),
        Case(name: "three lists with permuted equal ranks tie exactly",
             rankings: [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]], rrfK: 60,
             expected: [("a", [1, 3, 2]), ("b", [2, 1, 3]), ("c", [3, 2, 1])]),
    ]

    @Test(arguments: cases)
    func fusesByReciprocalRank(_ c: Case) {
        let fused = ReciprocalRankFusion.fuse(c.rankings, rrfK: c.rrfK)
        #expect(fused.map(\.item) == c.expected.map(\.item))
        #expect(fused.map(\.ranks) == c.expected.map(\.ranks))
        for entry in fused {
            let expected = entry.ranks.compactMap { $0 }.reduce(0.0) { $0 + 1 / Double(c.rrfK + $1) }
            #expect(abs(entry.score - expected) < 1e-12)
        }
    }

    @Test func scoresAreSumsOfReciprocalRanks() {
        let fused = ReciprocalRankFusion.fuse([["a", "b"], ["b"]], rrfK: 60)
        #expect(fused.first?.score == 1.0 / 62 + 1.0 / 61)
        #expect(fused.last?.score == 1.0 / 61)
    }

    @Test func theOrderOfTheInputRowsWithEqualScoresDoesNotMatter() {
        let forward = ReciprocalRankFusion.fuse([["d", "c", "b", "a"], ["a", "b", "c", "d"]], rrfK: 60)
        let backward = ReciprocalRankFusion.fuse([["a", "b", "c", "d"], ["d", "c", "b", "a"]], rrfK: 60)
        // a and d have ranks {1, 4}, b and c {2, 3}: 1/61 + 1/64 > 1/62 + 1/63.
        #expect(forward.map(\.item) == ["a", "d", "b", "c"])
        #expect(backward.map(\.item) == forward.map(\.item))
        #expect(Set(forward.map(\.score)).count == 2, "a/d and b/c tie pairwise")
    }

    @Test func chunksTieBreakByDocumentThenOrdinal() {
        let ids = [ChunkID(documentID: "b", ordinal: 0), ChunkID(documentID: "a", ordinal: 10),
                   ChunkID(documentID: "a", ordinal: 2)]
        let fused = ReciprocalRankFusion.fuse([[ids[0]], [ids[1]], [ids[2]]], rrfK: 60)
        #expect(fused.map(\.item.description) == ["a#2", "a#10", "b#0"])
    }
}

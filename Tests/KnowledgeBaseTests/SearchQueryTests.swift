import KnowledgeBase
import Testing

@Suite struct SearchQueryTests {
    @Test(arguments: [
        (SearchQuery(worldID: "w", text: "", limit: 10), SearchError.emptyQuery),
        (SearchQuery(worldID: "w", text: " \n\t\u{00A0}", limit: 10), .emptyQuery),
        (SearchQuery(worldID: "w", text: String(repeating: "a", count: 1_001), limit: 10),
         .queryTooLong(characters: 1_001, limit: 1_000)),
        (SearchQuery(worldID: "w", text: "e" + String(repeating: "\u{0301}", count: 2_000), limit: 10),
         .queryTooLong(characters: 1, limit: 1_000)),
        (SearchQuery(worldID: "w", text: "ember\0library", limit: 10), .queryContainsNUL),
        (SearchQuery(worldID: "w", text: "ember", limit: 0), .limitOutOfRange(0, allowed: 1...100)),
        (SearchQuery(worldID: "w", text: "ember", limit: 101), .limitOutOfRange(101, allowed: 1...100)),
        (SearchQuery(worldID: "w", text: "ember", limit: -5), .limitOutOfRange(-5, allowed: 1...100)),
        (SearchQuery(worldID: "", text: "ember", limit: 10), .emptyWorldID),
    ])
    func invalidQueriesAreRejectedNamingTheLimit(query: SearchQuery, error: SearchError) {
        #expect(throws: error) { try query.validate() }
    }

    @Test(arguments: [
        SearchQuery(worldID: "w", text: "who guards the library?", limit: 1),
        SearchQuery(worldID: nil, text: String(repeating: "é", count: 1_000), limit: 100),
        SearchQuery(worldID: "emberfall", text: "x", limit: 10),
    ])
    func validQueriesPass(query: SearchQuery) throws {
        try query.validate()
    }

    @Test func errorMessagesSayWhatToChange() {
        #expect("\(SearchError.queryTooLong(characters: 1_200, limit: 1_000))".contains("at most 1000"))
        #expect("\(SearchError.limitOutOfRange(500, allowed: 1...100))".contains("1 to 100"))
        #expect("\(SearchError.missingTables(schema: "kb"))".contains("annals migrate"))
    }

    @Test(arguments: [
        SearchSettings(efSearch: 0), SearchSettings(efSearch: 1_001), SearchSettings(candidatesPerMethod: 0),
        SearchSettings(rrfK: -1), SearchSettings(maxScanTuples: 0), SearchSettings(commonWordMatchLimit: -1),
    ])
    func settingsOutOfRangeAreRejected(settings: SearchSettings) {
        #expect(throws: SearchError.self) { try settings.validate() }
    }

    // MARK: Fusing candidates into hits

    static func candidate(_ document: String, _ ordinal: Int, score: Double) -> ScoredChunk {
        ScoredChunk(chunk: ChunkID(documentID: document, ordinal: ordinal), score: score)
    }

    @Test func hitsCarryBothRanksAndScoresAndStopAtK() {
        let vector = [Self.candidate("a", 0, score: 0.1), Self.candidate("b", 0, score: 0.3), Self.candidate("c", 1, score: 0.5)]
        let text = [Self.candidate("b", 0, score: 0.9), Self.candidate("d", 2, score: 0.4)]
        let hits = KnowledgeBaseSearch.fuse(vector: vector, text: text, limit: 3, rrfK: 60)
        #expect(hits.map(\.chunk.description) == ["b#0", "a#0", "d#2"])
        #expect(hits[0].vectorRank == 2 && hits[0].textRank == 1)
        #expect(hits[0].cosineSimilarity.map { abs($0 - 0.7) < 1e-12 } == true)
        #expect(hits[0].textScore == 0.9)
        #expect(hits[1].textRank == nil && hits[1].textScore == nil && hits[1].vectorRank == 1)
        #expect(hits[2].vectorRank == nil && hits[2].cosineSimilarity == nil && hits[2].textRank == 2)
        #expect(hits[0].score == 1.0 / 61 + 1.0 / 62)
    }

    @Test func oneMethodAloneKeepsItsOrder() {
        let text = [Self.candidate("z", 0, score: 0.9), Self.candidate("a", 0, score: 0.5)]
        #expect(KnowledgeBaseSearch.fuse(vector: [], text: text, limit: 10, rrfK: 60).map(\.chunk.documentID) == ["z", "a"])
        #expect(KnowledgeBaseSearch.fuse(vector: [], text: [], limit: 10, rrfK: 60).isEmpty)
    }
}

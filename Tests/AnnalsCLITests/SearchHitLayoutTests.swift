@testable import AnnalsCLI
import KnowledgeBase
import Testing

@Suite struct SearchHitLayoutTests {
    static func hit(text: String, world: String? = "emberfall", vectorRank: Int? = 1, textRank: Int? = 3) -> SearchHit {
        SearchHit(documentID: "ember-library", version: 2, ordinal: 1, title: "The Ember Library", worldID: world,
                  headingPath: ["The Ember Library", "The Cinder Codex"], text: text, score: 1.0 / 61 + 1.0 / 63,
                  vectorRank: vectorRank, cosineSimilarity: vectorRank.map { _ in 0.41234 },
                  textRank: textRank, textScore: textRank.map { _ in 0.1 })
    }

    @Test func aHitShowsRankScoreDocumentWorldHeadingsBothMethodsAndItsText() {
        let text = SearchHitLayout(width: 80, maxTextLines: 4).render([Self.hit(text: "Kaela recovered the Cinder Codex.")])
        #expect(text == """
            1. 0.03227  The Ember Library  (ember-library #1, v2)  world emberfall
               The Ember Library › The Cinder Codex
               vector #1 cos 0.412 · text #3 ts_rank_cd 0.100
               Kaela recovered the Cinder Codex.
            """)
    }

    @Test func aGlobalHitFoundByOneMethodSaysSo() {
        let text = SearchHitLayout(width: 80, maxTextLines: 4).render([Self.hit(text: "x", world: nil, vectorRank: nil)])
        #expect(text.contains("world") == false && text.contains("  global"))
        #expect(text.contains("vector – · text #3"))
    }

    @Test(arguments: [20, 37, 80])
    func longTextIsWrappedToTheWidthAndCutAfterTheLineLimit(width: Int) {
        let words = (1...200).map { "word\($0)" }.joined(separator: " \n ")
        let lines = SearchHitLayout(width: width, maxTextLines: 3).wrap(words, width: width)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.count <= width })
        #expect(lines.last?.hasSuffix(" …") == true)
        #expect(lines.first?.hasPrefix("word1 word2") == true)
    }

    @Test func zeroLinesMeansTheWholeTextAndGiantWordsAreCut() {
        let layout = SearchHitLayout(width: 10, maxTextLines: 0)
        #expect(layout.wrap("short " + String(repeating: "x", count: 25) + " end", width: 10)
                == ["short", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx end"])
        #expect(layout.wrap("   ", width: 10).isEmpty)
    }

    @Test(arguments: [(0.032266, 5, "0.03227"), (1, 3, "1.000"), (-0.5, 1, "-0.5"), (0.9999, 2, "1.00"), (-0.0001, 2, "0.00")])
    func fixedDecimalsIgnoreTheLocale(value: Double, decimals: Int, expected: String) {
        #expect(SearchHitLayout.fixed(value, decimals) == expected)
    }
}

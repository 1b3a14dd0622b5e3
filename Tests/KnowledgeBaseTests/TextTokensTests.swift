import KnowledgeBase
import Testing

@Suite struct TextTokensTests {
    @Test(arguments: [
        ("", 0),
        ("   ", 0),
        ("The Ember Library", 3),
        ("Vell's lamp, lit at 3am.", 5),
        ("Évreux — 世界 🌍", 2),
    ])
    func wordsAreRunsOfLettersAndDigits(text: String, expected: Int) {
        #expect(TextTokens.count(in: text) == expected)
        #expect(TextTokens.words(in: text).count == expected)
    }
}

@testable import KnowledgeBase
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

    /// The ASCII fast paths answer as the Unicode properties do, for every ASCII Character and "\r\n".
    @Test func asciiIsAnsweredAsTheUnicodePropertiesWould() {
        let characters = (0..<128).map { Character(Unicode.Scalar(UInt8($0))) } + ["\r\n"]
        for character in characters {
            #expect(TextTokens.isWordCharacter(character) == (character.isLetter || character.isNumber || character == "'"),
                    "\(character.unicodeScalars.map(\.value))")
            #expect(TextTokens.isWhitespace(character) == character.isWhitespace, "\(character.unicodeScalars.map(\.value))")
        }
    }
}

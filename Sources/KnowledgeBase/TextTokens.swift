/// Words of a text as the knowledge base counts and embeds them; pure.
public enum TextTokens {
    /// Maximal runs of letters and digits (Unicode-aware), in order; everything else separates them.
    public static func words<S: StringProtocol>(in text: S) -> [S.SubSequence] {
        text.split(whereSeparator: { !isWordCharacter($0) })
    }

    /// How many tokens a text counts as: one per word.
    public static func count<S: StringProtocol>(in text: S) -> Int {
        var count = 0
        var inWord = false
        for character in text {
            let word = isWordCharacter(character)
            if word && !inWord { count += 1 }
            inWord = word
        }
        return count
    }

    /// Letters, digits and the apostrophes inside words ("Vell's").
    public static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "'" || character == "’"
    }
}

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

    /// Letters, digits and the apostrophes inside words ("Vell's"). ASCII is answered from its bytes: the Unicode
    /// property lookups cost most of the chunking time, and give the same answers there.
    public static func isWordCharacter(_ character: Character) -> Bool {
        if let ascii = character.asciiValue {
            return (ascii >= 0x61 && ascii <= 0x7A) || (ascii >= 0x41 && ascii <= 0x5A) || (ascii >= 0x30 && ascii <= 0x39)
                || ascii == 0x27
        }
        return character.isLetter || character.isNumber || character == "’"
    }

    /// `Character.isWhitespace`, with ASCII answered from its byte (tab, line feed, vertical tab, form feed, carriage
    /// return, space; "\r\n" is one Character whose `asciiValue` is the line feed's).
    static func isWhitespace(_ character: Character) -> Bool {
        if let ascii = character.asciiValue { return ascii == 0x20 || (ascii >= 0x09 && ascii <= 0x0D) }
        return character.isWhitespace
    }
}

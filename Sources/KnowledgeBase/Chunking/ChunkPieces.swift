/// Cuts a paragraph into the smallest pieces chunking needs, coarsest first: the whole
/// paragraph if it fits the target, else its sentences; a sentence above the max becomes its
/// words; a word above the max becomes runs of `targetCharacters` Characters.
/// Every piece is at most `maxCharacters` long and together they hold every non-whitespace
/// Character of the paragraph.
enum ChunkPieces {
    static func pieces(of paragraph: Range<Int>, in table: CharacterTable, settings: ChunkingSettings) -> [Range<Int>] {
        if paragraph.count <= settings.targetCharacters { return [paragraph] }
        var pieces: [Range<Int>] = []
        for sentence in sentences(in: paragraph, of: table) {
            if sentence.count <= settings.maxCharacters {
                pieces.append(sentence)
                continue
            }
            for word in words(in: sentence, of: table) {
                if word.count <= settings.maxCharacters {
                    pieces.append(word)
                    continue
                }
                var start = word.lowerBound
                while start < word.upperBound {
                    let end = min(word.upperBound, start + settings.targetCharacters)
                    pieces.append(start..<end)
                    start = end
                }
            }
        }
        return pieces
    }

    /// Sentences of `span`, trimmed: each ends after a run of `.`, `!`, `?`, `…` (or their CJK
    /// forms) and any closing quotes or brackets, where whitespace follows. Abbreviations such as
    /// "Mr." end a sentence too; that only makes pieces smaller.
    static func sentences(in span: Range<Int>, of table: CharacterTable) -> [Range<Int>] {
        var sentences: [Range<Int>] = []
        var start = span.lowerBound
        var index = span.lowerBound
        while index < span.upperBound {
            guard isTerminator(table.characters[index]) else {
                index += 1
                continue
            }
            var end = index + 1
            while end < span.upperBound && isTerminator(table.characters[end]) { end += 1 }
            while end < span.upperBound && isCloser(table.characters[end]) { end += 1 }
            if end == span.upperBound || table.isWhitespace[end] {
                let sentence = table.trimmed(start..<end)
                if !sentence.isEmpty { sentences.append(sentence) }
                start = end
            }
            index = end
        }
        let rest = table.trimmed(start..<span.upperBound)
        if !rest.isEmpty { sentences.append(rest) }
        return sentences
    }

    /// Maximal runs of non-whitespace Characters in `span`.
    static func words(in span: Range<Int>, of table: CharacterTable) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var index = span.lowerBound
        while index < span.upperBound {
            while index < span.upperBound && table.isWhitespace[index] { index += 1 }
            let start = index
            while index < span.upperBound && !table.isWhitespace[index] { index += 1 }
            if start < index { words.append(start..<index) }
        }
        return words
    }

    private static func isTerminator(_ character: Character) -> Bool {
        switch character {
        case ".", "!", "?", "…", "。", "！", "？": true
        default: false
        }
    }

    private static func isCloser(_ character: Character) -> Bool {
        switch character {
        case "\"", "'", "”", "’", "»", ")", "]", "}", "」", "』": true
        default: false
        }
    }
}

import Foundation

/// The terms a text is embedded from: words folded, stripped of stop words and stemmed; pure.
///
/// Steps, per word of `TextTokens.words(in:)`:
/// 1. fold: lowercase and diacritics off ("Évreux" → "evreux", "Straße" → "strasse"),
///    with Foundation's locale-independent folding, so the result does not depend on
///    the machine's locale;
/// 2. apostrophes: a possessive "'s" is dropped ("Vell's" → "vell"), other apostrophes
///    are removed ("embers'" → "embers", "don't" → "dont");
/// 3. stop words (`stopWords`, checked after folding) are removed;
/// 4. `stem(_:)` strips the commonest English inflections.
public enum EmbeddingTerms {
    /// The terms of `text`, in order; empty when it has no words other than stop words.
    public static func terms(in text: String) -> [String] {
        var terms: [String] = []
        for word in TextTokens.words(in: text) {
            let folded = fold(word)
            guard !folded.isEmpty, !stopWords.contains(folded) else { continue }
            terms.append(stem(folded))
        }
        return terms
    }

    /// Lowercased, without diacritics or apostrophes; a trailing possessive "'s" dropped.
    static func fold(_ word: Substring) -> String {
        var folded = word.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        folded = folded.replacingOccurrences(of: "’", with: "'")
        if folded.hasSuffix("'s") { folded.removeLast(2) }
        folded.removeAll { $0 == "'" }
        return folded
    }

    /// Function words that say nothing about what a passage is about, folded.
    /// Question words are here too: "who guards the library?" is about guards and libraries.
    public static let stopWords: Set<String> = [
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at",
        "be", "been", "being", "but", "by", "can", "could", "did", "do", "does", "doing",
        "for", "from", "had", "has", "have", "having", "he", "her", "hers", "him", "his",
        "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "nor", "not",
        "of", "on", "onto", "or", "our", "ours", "she", "should", "so", "some", "such",
        "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they",
        "this", "those", "to", "too", "upon", "us", "very", "was", "we", "were", "what",
        "when", "where", "which", "while", "who", "whom", "whose", "why", "will", "with",
        "would", "you", "your", "yours",
    ]

    /// A light suffix-stripping stemmer for folded English words: plurals (-s, -es, -ies),
    /// -ing, -ed (with a doubled final consonant undone) and a final silent -e, so that
    /// "lamplighters" → "lamplighter", "libraries" → "library", "guarding" → "guard",
    /// "stopped" → "stop", "stored" and "stores" → "stor".
    ///
    /// Stems need not be words; they only need to agree across a word's inflections.
    /// Words of three letters or fewer, and stems that would lose their last vowel, are kept.
    public static func stem(_ word: String) -> String {
        var w = Array(word)
        guard w.count > 3 else { return word }

        if w.hasSuffix("ies"), w.count > 4 {
            w.removeLast(3)
            w.append("y")
        } else if w.hasSuffix("sses") || w.hasSuffix("xes") || w.hasSuffix("ches")
            || w.hasSuffix("shes") || w.hasSuffix("zzes")
        {
            w.removeLast(2)
        } else if w.hasSuffix("s"), !w.hasSuffix("ss"), !w.hasSuffix("us"), !w.hasSuffix("is") {
            w.removeLast()
        }

        if w.hasSuffix("ied"), w.count > 4 {
            w.removeLast(3)
            w.append("y")
        } else if w.hasSuffix("ing"), isStem(w.dropLast(3)) {
            w.removeLast(3)
            undoubleFinalConsonant(&w)
        } else if w.hasSuffix("ed"), !w.hasSuffix("eed"), isStem(w.dropLast(2)) {
            w.removeLast(2)
            undoubleFinalConsonant(&w)
        }

        if w.count >= 4, w.last == "e", isStem(w.dropLast()) {
            w.removeLast()
        }
        return String(w)
    }

    /// At least three letters and a vowel: "sing" and "shed" keep their endings.
    private static func isStem(_ letters: ArraySlice<Character>) -> Bool {
        letters.count >= 3 && letters.contains(where: { vowels.contains($0) })
    }

    /// "stopp" → "stop", "runn" → "run"; but "fall", "miss" and "buzz" keep theirs.
    private static func undoubleFinalConsonant(_ w: inout [Character]) {
        guard w.count >= 3, let last = w.last, w[w.count - 2] == last,
            !vowels.contains(last), !"lsz".contains(last)
        else { return }
        w.removeLast()
    }

    private static let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y"]
}

extension Array where Element == Character {
    fileprivate func hasSuffix(_ suffix: String) -> Bool {
        let tail = Array(suffix)
        return count >= tail.count && self[(count - tail.count)...].elementsEqual(tail)
    }
}

import Foundation

/// BERT's uncased tokenizer, as `all-MiniLM-L6-v2` was trained with: text cleaned of control characters, CJK
/// characters split apart, lower-cased and stripped of accents, split on white space and punctuation, then each word
/// split greedily into the longest pieces of the vocabulary (`##` marking a continuation). A word with no split, or
/// longer than 100 characters, is `[UNK]`.
public struct WordPieceTokenizer: Sendable {
    /// Token ids by piece, from the model's `vocab.txt` (the id of a piece is its line number from 0).
    private let ids: [String: Int32]
    public let unknownID: Int32
    public let classifierID: Int32
    public let separatorID: Int32
    private let longestWord = 100

    /// A tokenizer over `vocabulary`, one piece per line; throws when a special token is missing.
    public init(vocabulary: String) throws(ModelError) {
        var ids: [String: Int32] = [:]
        var next: Int32 = 0
        var lines = vocabulary.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines {
            let piece = String(line.hasSuffix("\r") ? line.dropLast() : line)
            if ids[piece] == nil { ids[piece] = next }
            next += 1
        }
        func special(_ piece: String) throws(ModelError) -> Int32 {
            guard let id = ids[piece] else { throw .vocabulary("vocab.txt has no \(piece)") }
            return id
        }
        self.ids = ids
        unknownID = try special("[UNK]")
        classifierID = try special("[CLS]")
        separatorID = try special("[SEP]")
    }

    /// How many pieces the vocabulary has.
    public var vocabularySize: Int { ids.count }

    /// The model's input for `text`: `[CLS]`, its pieces (the first `maximumLength - 2`), `[SEP]`.
    public func encode(_ text: String, maximumLength: Int) -> [Int32] {
        let pieces = self.pieces(text)
        let kept = max(0, maximumLength - 2)
        return [classifierID] + pieces.prefix(kept) + [separatorID]
    }

    /// The piece ids of `text`, without `[CLS]` and `[SEP]` and without truncation.
    public func pieces(_ text: String) -> [Int32] {
        Self.words(text).flatMap(wordPieces)
    }

    /// The ids of one word's pieces: the longest prefix in the vocabulary, then the longest `##` continuation, and so
    /// on; `[UNK]` for the whole word when some part has no piece.
    private func wordPieces(_ word: [Unicode.Scalar]) -> [Int32] {
        guard word.count <= longestWord else { return [unknownID] }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var piece = start > 0 ? "##" : ""
                piece.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = ids[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else { return [unknownID] }
            pieces.append(found)
            start = end
        }
        return pieces
    }

    /// The words of `text` after BERT's basic tokenizer: cleaned, CJK characters apart, lower-cased, accents
    /// stripped, split on white space and around each punctuation character.
    static func words(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        func finish() {
            if !current.isEmpty { words.append(current) }
            current.removeAll(keepingCapacity: true)
        }
        for scalar in normalized(text).unicodeScalars {
            if isWhitespace(scalar) {
                finish()
            } else if isPunctuation(scalar) || isCJK(scalar) {
                finish()
                words.append([scalar])
            } else if !isSkipped(scalar) {
                current.append(scalar)
            }
        }
        finish()
        return words
    }

    /// Lower-cased, then decomposed with the combining marks (accents) removed.
    private static func normalized(_ text: String) -> String {
        var kept = String.UnicodeScalarView()
        for scalar in text.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            kept.append(scalar)
        }
        return String(kept)
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": true
        default: scalar.properties.generalCategory == .spaceSeparator
        }
    }

    /// NUL, U+FFFD and control or format characters (other than the white space above) are dropped.
    private static func isSkipped(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value == 0 || scalar.value == 0xFFFD { return true }
        switch scalar.properties.generalCategory {
        case .control, .format: return true
        default: return false
        }
    }

    /// ASCII symbols count as punctuation (as BERT's tokenizer has it), besides Unicode's punctuation categories.
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana, which are written with spaces).
    private static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            true
        default:
            false
        }
    }
}

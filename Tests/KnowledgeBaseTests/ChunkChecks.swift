import KnowledgeBase

/// The chunker's invariants, checked against the input; each broken one is a message.
enum ChunkChecks {
    /// Messages for every invariant `chunks` break for `input` under `settings` (already valid).
    static func violations(of chunks: [Chunk], for input: String, settings: ChunkingSettings) -> [String] {
        var problems: [String] = []
        let bytes = Array(input.utf8)
        var boundaries = Set<Int>([0])
        var nonWhitespace: [Range<Int>] = []
        var offset = 0
        for character in input {
            let next = offset + character.utf8.count
            if !character.isWhitespace { nonWhitespace.append(offset..<next) }
            offset = next
            boundaries.insert(offset)
        }

        var covered = [Bool](repeating: false, count: bytes.count)
        for (index, chunk) in chunks.enumerated() {
            let label = "chunk \(index)"
            if chunk.ordinal != index { problems.append("\(label) has ordinal \(chunk.ordinal)") }
            guard chunk.range.lowerBound >= 0, chunk.range.upperBound <= bytes.count, !chunk.range.isEmpty else {
                problems.append("\(label) has range \(chunk.range) outside 0..<\(bytes.count) or empty")
                continue
            }
            if Array(chunk.text.utf8) != Array(bytes[chunk.range]) {
                problems.append("\(label) text differs from the input bytes in \(chunk.range)")
            }
            if !boundaries.contains(chunk.range.lowerBound) || !boundaries.contains(chunk.range.upperBound) {
                problems.append("\(label) range \(chunk.range) cuts inside a Character")
            }
            if chunk.text.count > settings.maxCharacters {
                problems.append("\(label) has \(chunk.text.count) Characters, above max \(settings.maxCharacters)")
            }
            if chunk.text.first?.isWhitespace ?? true || chunk.text.last?.isWhitespace ?? true {
                problems.append("\(label) starts or ends with whitespace")
            }
            if chunk.tokenCount != TextTokens.count(in: chunk.text) {
                problems.append("\(label) tokenCount \(chunk.tokenCount) is not TextTokens.count")
            }
            if index > 0 {
                let previous = chunks[index - 1]
                if chunk.range.lowerBound <= previous.range.lowerBound
                    || chunk.range.upperBound <= previous.range.upperBound
                {
                    problems.append("\(label) range \(chunk.range) does not move past \(previous.range)")
                } else if chunk.range.lowerBound < previous.range.upperBound {
                    let overlap = String(decoding: bytes[chunk.range.lowerBound..<previous.range.upperBound], as: UTF8.self)
                    if overlap.count > settings.overlapCharacters {
                        problems.append("\(label) repeats \(overlap.count) Characters, above overlap \(settings.overlapCharacters)")
                    }
                    if chunk.headingPath != previous.headingPath {
                        problems.append("\(label) overlaps across a heading")
                    }
                }
            }
            for byte in chunk.range { covered[byte] = true }
        }
        if let missed = nonWhitespace.first(where: { !covered[$0.lowerBound] }) {
            problems.append("non-whitespace Character at bytes \(missed) is in no chunk")
        }
        return problems
    }
}

/// SplitMix64: a fixed-seed generator so generated documents are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Lore-like documents made from a seed: headings, paragraphs, long words, Unicode, odd whitespace.
enum LoreGenerator {
    static let words = [
        "the", "Lamplighters", "kept", "Ember", "Library", "Vell's", "oath", "ash", "court", "of",
        "Évreux", "世界", "naïve", "e\u{301}clat", "👋🏽", "🇫🇷", "👨‍👩‍👧‍👦", "a\u{308}\u{323}", "Ωmega", "—",
        "“quoted”", "(aside)", "3am", "mmm", "🏳️‍🌈",
    ]

    static func document(seed: UInt64) -> String {
        var random = SplitMix64(seed: seed)
        var text = ""
        let newline = Bool.random(using: &random) ? "\n" : "\r\n"
        for _ in 0..<Int.random(in: 0...12, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1:
                let level = Int.random(in: 1...7, using: &random)
                let spacer = Int.random(in: 0..<6, using: &random) == 0 ? "" : " "
                text += String(repeating: " ", count: Int.random(in: 0...4, using: &random))
                text += String(repeating: "#", count: level) + spacer + sentence(&random, words: 1...4)
            case 2:
                text += "```" + newline + "# not a heading" + newline + sentence(&random, words: 1...20) + newline + "```"
            case 3:
                text += longWord(&random)
            default:
                let sentences = Int.random(in: 1...25, using: &random)
                text += (0..<sentences).map { _ in sentence(&random, words: 1...40) }
                    .joined(separator: Bool.random(using: &random) ? " " : newline)
            }
            let blank = [newline, newline + newline, newline + " \t" + newline, newline + newline + newline + newline]
            text += blank[Int.random(in: 0..<blank.count, using: &random)]
        }
        return text
    }

    static func sentence(_ random: inout SplitMix64, words range: ClosedRange<Int>) -> String {
        var parts: [String] = []
        for _ in 0..<Int.random(in: range, using: &random) {
            if Int.random(in: 0..<60, using: &random) == 0 {
                parts.append(longWord(&random))
            } else {
                parts.append(words[Int.random(in: 0..<words.count, using: &random)])
            }
        }
        let ends = [".", "!", "?", "…", ".”", "", "?!"]
        return parts.joined(separator: " ") + ends[Int.random(in: 0..<ends.count, using: &random)]
    }

    static func longWord(_ random: inout SplitMix64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=é👋🏽")
        let length = Int.random(in: 50...3000, using: &random)
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
    }
}

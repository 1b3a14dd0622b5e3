import AnnalsEvents

/// The story generator's SplitMix64, as a `RandomNumberGenerator` for shuffles and random elements.
extension SplitMix64: RandomNumberGenerator {
    /// A generator for item `index` of stream `stream`, independent of every other item.
    static func forItem(_ index: Int, stream: UInt64, seed: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD6E8_FEB8_6659_FD93) ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        return SplitMix64(seed: mixer.next())
    }
}

/// Deterministic, word-rich synthetic lore for the knowledge-base benchmark.
///
/// A vocabulary of pronounceable invented words, used with Zipf frequencies (a few common, most rare) so full
/// text sees realistic posting lists. Each document has a topic (a few dozen words it favours), so chunks of one
/// document resemble each other and nearest neighbours mean something. Documents have a title, `##` sections and
/// paragraphs of sentences with English function words between the invented ones. Document `i` is a pure
/// function of the seed and `i`, so queries can be drawn from documents without keeping them.
struct LoreGenerator: Sendable {
    let vocabulary: [String]
    let worlds: Int
    /// Fraction of documents without a world (global, visible from every world).
    let globalShare: Double
    let seed: UInt64
    /// Cumulative Zipf weights over `vocabulary`, for sampling by rank.
    private let cumulative: [Double]

    static let functionWords = ["the", "of", "and", "in", "to", "a", "with", "by", "from", "on", "at", "for",
                                "near", "beyond", "under", "was", "is", "were", "their", "its"]

    init(vocabularySize: Int, worlds: Int, globalShare: Double, seed: UInt64 = 20_261_125) {
        self.worlds = worlds
        self.globalShare = globalShare
        self.seed = seed
        let onsets = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "qu", "r", "s",
                      "sh", "st", "t", "th", "tr", "v", "w", "z", "kr", "sk", "vr", "gl"]
        let vowels = ["a", "e", "i", "o", "u", "ae", "ei", "ou", "y", "ia"]
        let codas = ["", "", "", "n", "r", "s", "th", "l", "m", "x", "nd", "rk"]
        var rng = SplitMix64(seed: seed)
        var seen: Set<String> = []
        var words: [String] = []
        while words.count < vocabularySize {
            let syllables = 2 + Int(rng.next() % 3)
            var word = ""
            for _ in 0..<syllables {
                word += onsets.randomElement(using: &rng)! + vowels.randomElement(using: &rng)! + codas.randomElement(using: &rng)!
            }
            if seen.insert(word).inserted { words.append(word) }
        }
        vocabulary = words
        var total = 0.0
        cumulative = (1...vocabularySize).map { rank in
            total += 1 / Double(rank)
            return total
        }
    }

    /// The world of document `index`, nil for a global one.
    func worldID(of index: Int) -> String? {
        var rng = SplitMix64.forItem(index, stream: 1, seed: seed)
        if Double(rng.next() % 1_000_000) / 1_000_000 < globalShare { return nil }
        return "world-\(rng.next() % UInt64(worlds))"
    }

    /// Document `index` as the event its producer would publish.
    func event(_ index: Int) -> DocumentIngested {
        var rng = SplitMix64.forItem(index, stream: 2, seed: seed)
        let topic = (0..<40).map { _ in vocabulary.randomElement(using: &rng)! }
        var event = DocumentIngested()
        event.meta.eventID = "lore-\(index)-v1"
        event.meta.occurredAt = EventTimestamp(seconds: 1_767_225_600 + Int64(index))
        event.documentID = "lore-\(index)"
        event.version = 1
        event.worldID = worldID(of: index) ?? ""
        event.title = "The " + capitalized(word(topic: topic, &rng)) + " of " + capitalized(word(topic: topic, &rng))
        event.source = "annals-bench"
        var content = "# " + event.title + "\n\n"
        for _ in 0..<(2 + Int(rng.next() % 4)) {
            content += "## " + capitalized(word(topic: topic, &rng)) + " " + capitalized(word(topic: topic, &rng)) + "\n\n"
            for _ in 0..<(2 + Int(rng.next() % 2)) {
                content += (0..<(3 + Int(rng.next() % 4))).map { _ in sentence(topic: topic, &rng) }.joined(separator: " ")
                content += "\n\n"
            }
        }
        event.content = content
        event.contentHash = "lore-\(index)"
        event.tags = ["bench"]
        return event
    }

    /// Query `n`: a world (one that holds documents among the first `documents`) and a question made of a few
    /// words of one of its documents' sentences, sometimes with an unrelated word.
    func query(_ n: Int, documents: Int) -> (worldID: String, text: String) {
        var rng = SplitMix64.forItem(n, stream: 3, seed: seed)
        var index = Int(rng.next() % UInt64(documents))
        while worldID(of: index) == nil { index = Int(rng.next() % UInt64(documents)) }
        let content = event(index).content
        let sentences = content.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .flatMap { $0.split(separator: ".") }.filter { $0.split(separator: " ").count >= 6 }
        let sentence = sentences.isEmpty ? Substring(content) : sentences.randomElement(using: &rng)!
        let words = sentence.split(separator: " ").map { $0.lowercased() }.filter { !Self.functionWords.contains($0) }
        var picked = Array(words.shuffled(using: &rng).prefix(2 + Int(rng.next() % 3)))
        if rng.next() % 2 == 0 { picked.append(zipfWord(&rng)) }
        let openings = ["what do the annals say about", "who keeps the", "where is the", "tell me about", ""]
        let text = (openings.randomElement(using: &rng)! + " " + picked.joined(separator: " ")).trimmingCharacters(in: .whitespaces) + "?"
        return (worldID(of: index)!, text)
    }

    private func sentence(topic: [String], _ rng: inout SplitMix64) -> String {
        let length = 8 + Int(rng.next() % 11)
        var words: [String] = []
        for position in 0..<length {
            if position > 0, position < length - 1, rng.next() % 100 < 35 {
                words.append(Self.functionWords.randomElement(using: &rng)!)
            } else {
                words.append(word(topic: topic, &rng))
            }
        }
        words[0] = capitalized(words[0])
        return words.joined(separator: " ") + "."
    }

    /// A topic word 45% of the time, else a word of the whole vocabulary by Zipf frequency.
    private func word(topic: [String], _ rng: inout SplitMix64) -> String {
        rng.next() % 100 < 45 ? topic.randomElement(using: &rng)! : zipfWord(&rng)
    }

    private func zipfWord(_ rng: inout SplitMix64) -> String {
        let target = Double(rng.next() >> 11) / Double(1 << 53) * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return vocabulary[low]
    }

    private func capitalized(_ word: String) -> String {
        word.prefix(1).uppercased() + word.dropFirst()
    }
}

import KnowledgeBase
import Testing

@Suite struct ChunkerTests {
    static let lore = """
        The Annals begin in ash.

        # Factions

        Three powers hold the city.

        ## The Lamplighters

        They keep the Ember Library lit. Vell's oath binds them.

        ### Oaths

        No lamp goes out while a Lamplighter lives.

        ## The Ashen Court

        The Court rules from the cinder throne.

        # Places

        The Ember Library stands where the old river bent.
        """

    @Test(arguments: [
        ("", 0),
        (" ", 0),
        ("\n\n\t  \r\n \u{00A0}\u{2003}\n", 0),
        ("word", 1),
        ("  padded  \n", 1),
        ("# Only a heading", 1),
    ])
    func emptyAndTinyInputs(text: String, expectedChunks: Int) {
        let chunks = Chunker.chunk(text)
        #expect(chunks.count == expectedChunks)
        #expect(ChunkChecks.violations(of: chunks, for: text, settings: .init()).isEmpty)
    }

    @Test func headingsStartChunksAndGiveThePath() {
        let chunks = Chunker.chunk(Self.lore)
        #expect(chunks.map(\.headingPath) == [
            [],
            ["Factions"],
            ["Factions", "The Lamplighters"],
            ["Factions", "The Lamplighters", "Oaths"],
            ["Factions", "The Ashen Court"],
            ["Places"],
        ])
        let bytes = Array(Self.lore.utf8)
        for chunk in chunks.dropFirst() {
            #expect(bytes[chunk.range.lowerBound] == UInt8(ascii: "#"))
        }
        #expect(chunks[2].text == "## The Lamplighters\n\nThey keep the Ember Library lit. Vell's oath binds them.")
        #expect(chunks[2].tokenCount == 12)
        #expect(ChunkChecks.violations(of: chunks, for: Self.lore, settings: .init()).isEmpty)
    }

    @Test(arguments: [
        ("# Title #", ["Title"]),
        ("  ## Indented ##", ["Indented"]),
        ("# C#", ["C#"]),
        ("#", [""]),
        ("###### Six", ["Six"]),
        ("####### Seven", []),
        ("#hashtag", []),
        ("    # four spaces", []),
        ("```\n# fenced\n```", []),
        ("# Outer\n```\n# fenced\n```\n## Inner", ["Outer", "Inner"]),
        ("## Deep first\n# Shallow", ["Shallow"]),
    ])
    func headingLinesAreMarkdownATX(text: String, lastPath: [String]) {
        let chunks = Chunker.chunk(text)
        #expect(chunks.last?.headingPath == lastPath)
    }

    @Test func shortParagraphsArePackedTogether() {
        let text = "First paragraph.\n\nSecond paragraph.\n\n\nThird paragraph."
        let chunks = Chunker.chunk(text)
        #expect(chunks.map(\.text) == [text])
        #expect(chunks.first?.range == 0..<text.utf8.count)
    }

    @Test func paragraphsAreNotSplitWhenTheyFitTheTarget() {
        let paragraph = String(repeating: "Lamps burn. ", count: 5).dropLast()  // 59 Characters
        let text = [paragraph, paragraph, paragraph].joined(separator: "\n\n")
        let settings = ChunkingSettings(targetCharacters: 100, overlapCharacters: 0, maxCharacters: 150)
        let chunks = Chunker.chunk(text, settings: settings)
        #expect(chunks.map(\.text) == [String(paragraph), String(paragraph), String(paragraph)])
    }

    @Test func longParagraphSplitsAtSentenceEnds() {
        let sentences = (0..<40).map { "Sentence number \($0) tells of the ember." }
        let text = sentences.joined(separator: " ")
        let settings = ChunkingSettings(targetCharacters: 200, overlapCharacters: 0, maxCharacters: 300)
        let chunks = Chunker.chunk(text, settings: settings)
        #expect(chunks.count > 1)
        for chunk in chunks {
            #expect(chunk.text.hasSuffix("ember."))
            #expect(chunk.text.hasPrefix("Sentence"))
            #expect(chunk.text.count <= 200)
        }
        #expect(ChunkChecks.violations(of: chunks, for: text, settings: settings).isEmpty)
    }

    @Test func sentenceAboveTheMaxSplitsAtWhitespace() {
        let text = (0..<500).map { "word\($0)" }.joined(separator: " ")
        let settings = ChunkingSettings(targetCharacters: 120, overlapCharacters: 30, maxCharacters: 150)
        let chunks = Chunker.chunk(text, settings: settings)
        let bytes = Array(text.utf8)
        for chunk in chunks {
            #expect(chunk.range.lowerBound == 0 || bytes[chunk.range.lowerBound - 1] == UInt8(ascii: " "))
            #expect(chunk.range.upperBound == bytes.count || bytes[chunk.range.upperBound] == UInt8(ascii: " "))
        }
        #expect(ChunkChecks.violations(of: chunks, for: text, settings: settings).isEmpty)
    }

    @Test(arguments: [0, 1, 20, 99])
    func overlapRepeatsAWordAlignedTailWithinTheSetting(overlap: Int) {
        let text = (0..<60).map { "The \($0)th lamp was lit at dusk." }.joined(separator: " ")
        let settings = ChunkingSettings(targetCharacters: 100, overlapCharacters: overlap, maxCharacters: 140)
        let chunks = Chunker.chunk(text, settings: settings)
        let bytes = Array(text.utf8)
        #expect(chunks.count > 10)
        for (previous, chunk) in zip(chunks, chunks.dropFirst()) {
            let repeated = max(0, previous.range.upperBound - chunk.range.lowerBound)
            if overlap >= 20 {
                #expect(repeated > 0)
            }
            if overlap == 0 {
                #expect(repeated == 0)
            }
            #expect(chunk.range.lowerBound == 0 || bytes[chunk.range.lowerBound - 1] == UInt8(ascii: " "))
        }
        #expect(ChunkChecks.violations(of: chunks, for: text, settings: settings).isEmpty)
    }

    @Test func overlapNeverCrossesAHeading() {
        let settings = ChunkingSettings(targetCharacters: 40, overlapCharacters: 30, maxCharacters: 60)
        let chunks = Chunker.chunk(Self.lore, settings: settings)
        for (previous, chunk) in zip(chunks, chunks.dropFirst()) where previous.headingPath != chunk.headingPath {
            #expect(chunk.range.lowerBound >= previous.range.upperBound)
        }
        #expect(ChunkChecks.violations(of: chunks, for: Self.lore, settings: settings).isEmpty)
    }

    @Test(arguments: [
        ChunkingSettings(),
        ChunkingSettings(targetCharacters: 1, overlapCharacters: 0, maxCharacters: 1),
        ChunkingSettings(targetCharacters: 7, overlapCharacters: 3, maxCharacters: 7),
    ])
    func giantLineWithoutSpacesIsCutAtCharacters(settings: ChunkingSettings) {
        let text = String(repeating: "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", count: 100_000 / 36 + 1).prefix(100_000)
        let input = String(text)
        let chunks = Chunker.chunk(input, settings: settings)
        #expect(chunks.map(\.text).joined() == input)
        #expect(chunks.count == (100_000 + settings.targetCharacters - 1) / settings.targetCharacters)
        #expect(ChunkChecks.violations(of: chunks, for: input, settings: settings).isEmpty)
    }

    @Test(arguments: ["", " "])
    func emojiAndCombiningMarksAreNeverCut(separator: String) {
        let graphemes = ["👋🏽", "e\u{301}", "👨‍👩‍👧‍👦", "🇫🇷", "a\u{308}\u{323}", "🏳️‍🌈", "🧑🏿‍🦰", "ṩ"]
        let input = (0..<100_000).map { graphemes[$0 % graphemes.count] }.joined(separator: separator)
        let settings = ChunkingSettings(targetCharacters: 333, overlapCharacters: 50, maxCharacters: 400)
        let chunks = Chunker.chunk(input, settings: settings)
        #expect(!chunks.isEmpty)
        if separator.isEmpty { #expect(chunks.map(\.text).joined() == input) }
        for chunk in chunks {
            #expect(chunk.text.count <= settings.maxCharacters)
            #expect(chunk.text.unicodeScalars.first.map { !$0.properties.isGraphemeExtend } ?? false)
        }
        #expect(ChunkChecks.violations(of: chunks, for: input, settings: settings).isEmpty)
    }

    @Test func sameInputBuiltDifferentlyGivesTheSameChunks() {
        let direct = Chunker.chunk(Self.lore)
        let viaBytes = String(decoding: Array(Self.lore.utf8), as: UTF8.self)
        let viaPieces = Self.lore.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n")
        let viaSubstring = String(("xx" + Self.lore + "yy").dropFirst(2).dropLast(2))
        var viaAppends = ""
        for character in Self.lore { viaAppends.append(character) }
        for variant in [viaBytes, viaPieces, viaSubstring, viaAppends] {
            #expect(Chunker.chunk(variant) == direct)
        }
        #expect(Chunker.chunk(Self.lore) == direct)
    }

    @Test func megabyteDocumentChunksQuickly() {
        var text = ""
        var seed: UInt64 = 1
        while text.utf8.count < 1_000_000 {
            text += LoreGenerator.document(seed: seed)
            seed += 1
        }
        let clock = ContinuousClock()
        var chunks: [Chunk] = []
        let elapsed = clock.measure { chunks = Chunker.chunk(text) }
        print("chunked \(text.utf8.count) bytes, \(text.count) Characters into \(chunks.count) chunks in \(elapsed)")
        #expect(chunks.count > 100)
        #expect(elapsed < .seconds(30))
        #expect(ChunkChecks.violations(of: chunks, for: text, settings: .init()).isEmpty)
    }
}

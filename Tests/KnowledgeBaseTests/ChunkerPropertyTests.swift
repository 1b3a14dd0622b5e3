import KnowledgeBase
import Testing

@Suite struct ChunkerPropertyTests {
    @Test(arguments: 0..<200)
    func generatedDocumentsKeepEveryInvariant(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) &* 7919)
        let target = Int.random(in: 1...400, using: &random)
        let settings = ChunkingSettings(
            targetCharacters: target,
            overlapCharacters: Int.random(in: 0..<target, using: &random),
            maxCharacters: target + Int.random(in: 0...200, using: &random))
        let text = LoreGenerator.document(seed: UInt64(seed))
        let chunks = Chunker.chunk(text, settings: settings)
        let problems = ChunkChecks.violations(of: chunks, for: text, settings: settings)
        #expect(problems.isEmpty, "seed \(seed), \(settings): \(problems.prefix(5))")
        #expect(Chunker.chunk(text, settings: settings) == chunks)
        #expect(chunks.isEmpty == text.allSatisfy(\.isWhitespace))
    }
}

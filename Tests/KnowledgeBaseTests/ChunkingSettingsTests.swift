import KnowledgeBase
import Testing

@Suite struct ChunkingSettingsTests {
    @Test func defaultsAreTheDocumentedSizes() {
        let settings = ChunkingSettings()
        #expect(settings.targetCharacters == 800)
        #expect(settings.overlapCharacters == 100)
        #expect(settings.maxCharacters == 1200)
        #expect(settings.isValid)
    }

    @Test(arguments: [
        ((800, 100, 1200), (800, 100, 1200)),
        ((0, 0, 0), (1, 0, 1)),
        ((-5, -5, -5), (1, 0, 1)),
        ((100, 100, 200), (100, 99, 200)),
        ((100, 500, 50), (100, 99, 100)),
        ((Int.max, Int.max, Int.min), (Int.max, Int.max - 1, Int.max)),
    ])
    func initClampsIntoTheInvariant(given: (Int, Int, Int), expected: (Int, Int, Int)) {
        let settings = ChunkingSettings(targetCharacters: given.0, overlapCharacters: given.1, maxCharacters: given.2)
        #expect(settings.targetCharacters == expected.0)
        #expect(settings.overlapCharacters == expected.1)
        #expect(settings.maxCharacters == expected.2)
        #expect(settings.isValid)
    }

    @Test(arguments: [(0, 0, 10), (10, 10, 20), (10, -1, 20), (10, 2, 9)])
    func validatingInitRejectsBrokenBounds(target: Int, overlap: Int, max: Int) {
        #expect(throws: InvalidChunkingSettings.self) {
            try ChunkingSettings(validating: target, overlapCharacters: overlap, maxCharacters: max)
        }
    }

    @Test func validatingInitAcceptsGoodBounds() throws {
        let settings = try ChunkingSettings(validating: 10, overlapCharacters: 9, maxCharacters: 10)
        #expect(settings == ChunkingSettings(targetCharacters: 10, overlapCharacters: 9, maxCharacters: 10))
    }

    @Test func chunkerClampsSettingsBrokenAfterInit() {
        var settings = ChunkingSettings()
        settings.targetCharacters = 0
        settings.overlapCharacters = 1_000
        settings.maxCharacters = -3
        #expect(!settings.isValid)
        let text = "Ash falls. The lamps hold.\n\n# Court\n\nThe cinder throne."
        let chunks = Chunker.chunk(text, settings: settings)
        #expect(!chunks.isEmpty)
        #expect(ChunkChecks.violations(of: chunks, for: text, settings: settings.clamped).isEmpty)
    }
}

import KnowledgeBase
import Testing

@Suite struct HashingEmbedderTests {
    let embedder: HashingEmbedder

    init() throws {
        embedder = try HashingEmbedder()
    }

    // MARK: Shape

    @Test func defaultsToHashingV1With384Dimensions() {
        #expect(embedder.model == "hashing-v1")
        #expect(embedder.dimension == 384)
    }

    @Test(arguments: [8, 64, 384, 1536, 16_000])
    func vectorsHaveTheConfiguredDimension(dimension: Int) async throws {
        let embedder = try HashingEmbedder(dimension: dimension)
        #expect(embedder.dimension == dimension)
        let vectors = try await embedder.embed(["the ember library", "", "a storm breaches the sea wall"])
        #expect(vectors.count == 3)
        #expect(vectors.allSatisfy { $0.count == dimension })
    }

    @Test(arguments: [Int.min, -1, 0, 7, 16_001, Int.max])
    func dimensionsOutsidePgvectorsRangeAreRejected(dimension: Int) {
        #expect(throws: EmbedderError.invalidDimension(dimension)) {
            try HashingEmbedder(dimension: dimension)
        }
    }

    @Test(arguments: [
        "the lamplighters guard the ember library",
        "Ember",
        "Évreux — 世界 🌍",
        "Vell's lamp, lit at 3am.",
        String(repeating: "the tide keeps the ledger of the drowned. ", count: 3),
    ])
    func nonEmptyTextHasUnitNorm(text: String) {
        #expect(abs(norm(embedder.embedOne(text)) - 1) <= 1e-5)
    }

    @Test(arguments: ["", "   \n\t ", "?!… — ,; (…)", "'", "Who is it?", "The. Of, And!"])
    func textWithoutFeaturesGivesTheZeroVector(text: String) {
        let vector = embedder.embedOne(text)
        #expect(vector.count == 384)
        #expect(vector.allSatisfy { $0 == 0 })
    }

    // MARK: Determinism

    @Test func sameTextGivesTheSameVectorEveryTime() async throws {
        let text = "Vell the lamplighter guards the Ember Library."
        let first = embedder.embedOne(text)
        #expect(embedder.embedOne(text) == first)
        #expect(try HashingEmbedder().embedOne(text) == first)
        let storm = "a storm breaches the sea wall"
        let batch = try await embedder.embed([text, storm, text])
        #expect(batch == [first, embedder.embedOne(storm), first])
    }

    /// Pinned once: a per-process seeded hash (Swift's `Hasher`), a platform-dependent hash or
    /// an unannounced change to the feature design changes these numbers. If the design
    /// changes on purpose, bump `model` to "hashing-v2" and pin again.
    @Test func goldenVectorIsStableAcrossProcessesAndMachines() throws {
        let vector = try HashingEmbedder(dimension: 64)
            .embedOne("The lamplighters guard the Ember Library; embers never die.")
        #expect(Array(vector.prefix(8)) == [-0.6028967, 0, 0, 0, 0.07211843, 0, -0.40702373, 0.07211843])
    }

    // MARK: Similarity

    @Test(arguments: [
        ("the lamplighters guard the ember library", "who guards the library of embers?", "a storm breaches the sea wall"),
        ("the sea wall of Saltmarrow holds back the waves", "storms breaching the sea walls", "Warden Isolde plants a hollow pine"),
        ("Tidewarden Oru keeps the tide ledger", "who records the tides?", "the oracle speaks at the new moon"),
        ("Warden Isolde planted the first hollow pine", "who plants pines in the Greywood?", "the smiths forge blades from iron"),
        ("the volcano buried Emberfall in ash", "ashes from the erupting volcano", "trade along the Cinder Road"),
        ("her prophecies are written on bark", "where is the oracle's prophecy written?", "merchants carry lamp oil and candles"),
        ("the ember library", "library of embers", "an ember storm"),
    ])
    func relatedTextIsCloserThanUnrelatedText(anchor: String, related: String, unrelated: String) {
        let a = embedder.embedOne(anchor)
        #expect(cosine(a, embedder.embedOne(related)) > cosine(a, embedder.embedOne(unrelated)))
    }

    @Test(arguments: [
        ("lamplighters", "Lamplighter"),
        ("The Ember Library", "the ember libraries"),
        ("GUARDING THE GATES", "guarded the gate"),
        ("Vell's lamps", "vell lamp"),
        ("stories of the tides", "story of the tide"),
        ("Évreux café", "evreux cafe"),
        ("naïve Straße", "NAIVE strasse"),
        ("the burning books", "the book burned"),
    ])
    func inflectionCaseAndDiacriticVariantsAreClose(first: String, second: String) {
        #expect(cosine(embedder.embedOne(first), embedder.embedOne(second)) > 0.8)
    }

    /// Stand-in for the knowledge base's retrieval check: with the vector alone, each question's
    /// passage ranks in the top three of thirteen.
    @Test func questionsFindTheirLorePassage() throws {
        let passages = Lore.passages.map(embedder.embedOne)
        for (question, expected) in Lore.questions {
            let q = embedder.embedOne(question)
            let ranked = passages.indices.sorted { cosine(q, passages[$0]) > cosine(q, passages[$1]) }
            #expect(ranked.prefix(3).contains(expected), "\(question) ranked \(ranked)")
        }
    }

    // MARK: Terms

    @Test(arguments: [
        ("Who guards the Library of Embers?", ["guard", "library", "ember"]),
        ("Vell's lamp, lit at 3am.", ["vell", "lamp", "lit", "3am"]),
        ("Évreux — 世界 🌍", ["evreux", "世界"]),
        ("don't stop the embers’ song", ["dont", "stop", "ember", "song"]),
        ("The. Of, And!", []),
    ])
    func termsAreFoldedStemmedWordsWithoutStopWords(text: String, expected: [String]) {
        #expect(EmbeddingTerms.terms(in: text) == expected)
    }

    @Test(arguments: [
        ("lamplighters", "lamplighter"), ("libraries", "library"), ("embers", "ember"),
        ("guards", "guard"), ("guarding", "guard"), ("guarded", "guard"),
        ("stopped", "stop"), ("running", "run"), ("falling", "fall"),
        ("boxes", "box"), ("torches", "torch"), ("glasses", "glass"), ("status", "status"),
        ("store", "stor"), ("stores", "stor"), ("stored", "stor"), ("storing", "stor"),
        ("carried", "carry"), ("tides", "tid"), ("sing", "sing"), ("shed", "shed"),
        ("need", "need"), ("ash", "ash"), ("世界", "世界"),
    ])
    func stemmerStripsCommonInflections(word: String, expected: String) {
        #expect(EmbeddingTerms.stem(word) == expected)
    }

    // MARK: Errors

    @Test func dimensionMismatchSaysBothDimensionsAndWhatToDo() throws {
        #expect(throws: EmbedderError.dimensionMismatch(embedder: 384, table: 1536)) {
            try embedder.requireDimension(matchingTable: 1536)
        }
        try embedder.requireDimension(matchingTable: 384)

        let message = EmbedderError.dimensionMismatch(embedder: 384, table: 1536).description
        #expect(message.hasPrefix("the embedder makes vectors of 384 dimensions but kb.chunks.embedding is vector(1536): "))
        #expect(message.contains("set the embedding dimension to 1536"))
        #expect(message.contains("replay"))
    }

    @Test func invalidDimensionSaysTheAllowedRange() {
        let message = EmbedderError.invalidDimension(7).description
        #expect(message.contains("7"))
        #expect(message.contains("8 to 16000"))
    }

    // MARK: Volume

    @Test func embedsTenThousandShortTexts() async throws {
        let texts = (0..<10_000).map { "lore entry \($0): the lamplighters of tower \($0 % 97) guard the embers" }
        let vectors = try await embedder.embed(texts)
        #expect(vectors.count == texts.count)
        #expect(vectors.allSatisfy { $0.count == 384 && abs(norm($0) - 1) <= 1e-5 })
    }
}

private func norm(_ v: [Float]) -> Float {
    v.reduce(0) { $0 + $1 * $1 }.squareRoot()
}

/// Cosine of two non-zero vectors.
private func cosine(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / (norm(a) * norm(b))
}

/// Hand-written lore in the style of the sample worlds, with questions and their passage.
private enum Lore {
    static let passages = [
        "The Ember Library stands on the Ashen Coast of Emberfall. Its shelves hold the burning books, scrolls that smoulder but never turn to ash. The Archivist Vell lit the first lamp there, and every archivist since has sworn to keep the reading halls warm.",
        "The Lamplighters are an order of twelve who guard the Ember Library. Each night they walk the galleries with long brass poles, relighting the lamps that the sea wind snuffs out. A lamplighter who lets a lamp die must fast for a day.",
        "Saltmarrow is a harbour town in the Drowned Reach, built below the level of the sea. The Tidewardens raised the great sea wall of black basalt to hold back the waves, and they repair it after every winter storm.",
        "Tidewarden Oru keeps the tide ledger, a book in which every high tide of Saltmarrow is written down. Oru reads the ledger to predict the spring floods and rings the harbour bell when the water rises too fast.",
        "Hollowpine is a forest in the Greywood where the pines grow hollow trunks. Warden Isolde planted the first hollow pine, and the wardens still live inside the oldest trees, climbing ladders carved into the heartwood.",
        "The Ashfall was the night the volcano Mount Cinder erupted and buried half of Emberfall under grey ash. The Lamplighters carried the burning books out of the library in copper chests so that no knowledge was lost.",
        "The Brine Smiths of Saltmarrow forge weapons from iron quenched in seawater. Their blades never rust, and Captain Marrow of the harbour guard carries a brine-forged sword that was a gift from the smiths' guild.",
        "The Oracle of the Greywood speaks only during a new moon. Pilgrims bring her pine resin and ask about harvests, marriages and wars. Her prophecies are written on bark and hung from the branches of the hollow pines.",
        "Trade between Emberfall and Saltmarrow runs along the Cinder Road. Merchants carry salted fish and sea glass inland and return with lamp oil, candles and copies of the library's books. Envoy Tesh negotiated the road tolls.",
        "The Magistrate of Emberfall judges disputes in the Hall of Embers. Thieves who steal lamp oil are sentenced to serve the Lamplighters for a year, carrying oil up the library towers.",
        "A plague of blight spread through the Greywood, turning pine needles black. Warden Isolde burned the sick trees and sealed the forest paths, and the Oracle foretold that the blight would end at the next new moon.",
        "The Drowned Bells are the ruins of a chapel that the sea swallowed off the coast of Saltmarrow. Fishermen say the bells still ring beneath the waves before a great storm, warning the town to close the sluice gates.",
        "Every autumn the three worlds hold the Festival of Lanterns. Children float paper lanterns on the harbour, the wardens hang lights in the hollow pines, and the Lamplighters open the Ember Library to visitors for a single night.",
    ]

    static let questions: [(String, Int)] = [
        ("who guards the library of embers?", 1), ("where are the burning books kept?", 0),
        ("who lit the first lamp?", 0), ("what protects Saltmarrow from the sea?", 2),
        ("who records the tides?", 3), ("how are floods predicted?", 3),
        ("who planted the first pine?", 4), ("where do the wardens live?", 4),
        ("what happened when the volcano erupted?", 5), ("how were the books saved from the ash?", 5),
        ("swords that do not rust", 6), ("blacksmiths forging weapons with seawater", 6),
        ("when does the oracle speak?", 7), ("where are prophecies written?", 7),
        ("trade route between the coast towns", 8), ("who negotiated the tolls?", 8),
        ("punishment for stealing lamp oil", 9), ("disease killing the trees", 10),
        ("bells ringing under the sea", 11), ("lantern festival in autumn", 12),
        ("lamplighter relighting lamps at night", 1), ("the sea wall storm repairs", 2),
    ]
}

/// Terms whose first or last grapheme absorbs a trigram marker (issue 13's fuzz target found one): "<\u{D4E}>" is two
/// Characters, and `0...(count - 3)` trapped.
@Suite struct HashingEmbedderGraphemeTests {
    @Test(arguments: ["\u{D4E}", "x \u{D4E} y", "\u{D4E}\u{D4E}", "ab\u{D4E}"])
    func termsThatSwallowAMarkerEmbedWithoutTrapping(text: String) throws {
        let vector = try HashingEmbedder(dimension: 8).embedOne(text)
        #expect(vector.count == 8)
        #expect(vector.contains { $0 != 0 }, "the unigram still counts")
    }
}

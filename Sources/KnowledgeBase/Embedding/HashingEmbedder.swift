import Foundation

/// The default embedder: no model, no network, the same vector for the same text in every
/// process and on every machine (the "hashing trick" with signed buckets).
///
/// How a text becomes a vector:
/// 1. Terms: `EmbeddingTerms.terms(in:)` (folded words, stop words removed, light stemming).
/// 2. Features, each with a weight:
///    - every term (unigram), weight 1.0;
///    - every pair of neighbouring terms, order ignored so "library of embers" matches
///      "ember library" (bigram), weight 0.25;
///    - every character trigram of each term with boundary markers, "<em", "emb", …,
///      "er>" (trigram), weight 0.3, so "guardian" partly matches "guard".
/// 3. A feature that occurs `tf` times counts `weight × (1 + ln tf)` (sublinear term frequency).
/// 4. Each feature is hashed with 64-bit FNV-1a (then MurmurHash3's finaliser) over a
///    kind byte and its UTF-8 bytes; the low 63 bits choose the bucket (modulo the
///    dimension), the top bit the sign, so features that collide in a bucket add noise
///    that averages out instead of a bias towards similarity.
/// 5. The vector is L2-normalised, so the dot product of two vectors is their cosine.
///
/// A text with no features (empty, only whitespace, punctuation or stop words) gives the
/// zero vector: its cosine with anything is undefined, and callers should skip it rather
/// than store or search with it.
///
/// Changing anything above changes every vector: bump `model` ("hashing-v2") so cached
/// embeddings are not mixed with new ones.
public struct HashingEmbedder: LocalEmbedder {
    /// Dimensions allowed: pgvector's `vector` type holds at most 16,000 (its HNSW index
    /// at most 2,000); fewer than 8 buckets would make almost every feature collide.
    public static let dimensionRange = 8...16_000

    /// How much each kind of feature counts, before term frequency and normalisation.
    ///
    /// Tuned on hand-written lore paragraphs and short questions: trigrams help up to about
    /// 0.3–0.4; bigrams above 0.25 cost more than they give at 384 dimensions, because every
    /// feature takes a bucket and collisions blur the unigrams that carry most of the signal.
    struct Weights: Sendable, Equatable {
        /// A whole term: the strongest evidence.
        var unigram: Double
        /// Two neighbouring terms: rewards phrases without requiring them.
        var bigram: Double
        /// A character trigram of a term: partial credit for related word forms.
        var trigram: Double

    }

    /// The weights of "hashing-v1".
    static let weights = Weights(unigram: 1.0, bigram: 0.25, trigram: 0.3)

    /// Identifies this feature design in the embedding cache key.
    public let model = "hashing-v1"
    /// Number of buckets, i.e. components of every vector.
    public let dimension: Int

    /// An embedder making vectors of `dimension` components; throws `EmbedderError.invalidDimension` outside `dimensionRange`.
    public init(dimension: Int = 384) throws(EmbedderError) {
        guard Self.dimensionRange.contains(dimension) else { throw .invalidDimension(dimension) }
        self.dimension = dimension
    }

    /// One vector per text, in order; never fails.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map(embedOne)
    }

    /// The vector of one text: L2-normalised, or all zeros when the text has no features.
    public func embedOne(_ text: String) -> [Float] {
        var values = [Double](repeating: 0, count: dimension)
        for (hash, weight) in Self.weightedFeatures(of: EmbeddingTerms.terms(in: text), weights: Self.weights) {
            let bucket = Int((hash & ~Self.signBit) % UInt64(dimension))
            values[bucket] += hash & Self.signBit == 0 ? weight : -weight
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return [Float](repeating: 0, count: dimension) }
        return values.map { Float($0 / norm) }
    }

    private static let signBit: UInt64 = 1 << 63

    private enum FeatureKind: UInt8 {
        case unigram = 1, bigram = 2, trigram = 3

        func weight(in weights: Weights) -> Double {
            switch self {
            case .unigram: weights.unigram
            case .bigram: weights.bigram
            case .trigram: weights.trigram
            }
        }
    }

    /// Each distinct feature's hash with its weight scaled by `1 + ln tf`, in first-seen order
    /// (order only matters to floating-point rounding, and it is fixed by the text).
    static func weightedFeatures(of terms: [String], weights: Weights) -> [(hash: UInt64, weight: Double)] {
        var features: [(hash: UInt64, kind: FeatureKind, count: Int)] = []
        var position: [UInt64: Int] = [:]
        func add(_ kind: FeatureKind, _ text: String) {
            let hash = FNV1a.finalized(FNV1a.hash(text.utf8, from: FNV1a.hash(CollectionOfOne(kind.rawValue))))
            if let seen = position[hash] {
                features[seen].count += 1
            } else {
                position[hash] = features.count
                features.append((hash, kind, 1))
            }
        }
        for (index, term) in terms.enumerated() {
            add(.unigram, term)
            if index > 0 {
                let previous = terms[index - 1]
                add(.bigram, previous < term ? "\(previous) \(term)" : "\(term) \(previous)")
            }
            // The markers are Characters of their own only most of the time: "<" and ">" can join a term's first or
            // last grapheme (a final Malayalam dot reph, U+0D4E, takes the ">"), leaving fewer than three.
            let marked = Array("<\(term)>")
            for start in 0..<max(0, marked.count - 2) {
                add(.trigram, String(marked[start..<(start + 3)]))
            }
        }
        return features.map { ($0.hash, $0.kind.weight(in: weights) * (1 + log(Double($0.count)))) }
    }
}

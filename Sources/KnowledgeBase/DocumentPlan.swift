import AnnalsEvents

/// What one `DocumentIngested` event becomes: the scrubbed document and its chunks, then their embeddings.
/// Pure: the same event and settings always give the same plan.
public struct DocumentPlan: Sendable, Equatable {
    public struct PlannedChunk: Sendable, Equatable {
        public var ordinal: Int
        public var text: String
        public var headingPath: [String]
        public var tokenCount: Int
        /// What is embedded: the title, the heading path and the text, one per line.
        public var embeddingInput: String
        /// Empty until embedded.
        public var embedding: [Float]
    }

    public var documentID: String
    public var version: Int64
    /// nil for a global document, visible from every world.
    public var worldID: String?
    public var title: String
    public var source: String
    public var contentHash: String
    public var tags: [String]
    /// PII found and replaced, by kind.
    public var piiCounts: [PIIKind: Int]
    public var chunks: [PlannedChunk]
    /// Why the embedder refused this document's text, if it did; the event is then dead-lettered.
    public var embeddingFailure: String?

    /// Every chunk has its embedding (or the embedder refused the document).
    public var isEmbedded: Bool { embeddingFailure != nil || chunks.allSatisfy { !$0.embedding.isEmpty } }

    /// Scrubs PII from the title and content and chunks the content; embeddings come later.
    public static func make(_ event: DocumentIngested, chunking: ChunkingSettings) -> DocumentPlan {
        let title = PIIScrubber.scrub(event.title)
        let content = PIIScrubber.scrub(event.content)
        var counts = title.counts
        counts.merge(content.counts, uniquingKeysWith: +)
        let chunks = Chunker.chunk(content.text, settings: chunking).map { chunk in
            PlannedChunk(ordinal: chunk.ordinal, text: chunk.text, headingPath: chunk.headingPath,
                         tokenCount: chunk.tokenCount,
                         embeddingInput: ([title.text] + chunk.headingPath + [chunk.text]).joined(separator: "\n"),
                         embedding: [])
        }
        return DocumentPlan(
            documentID: event.documentID, version: Int64(clamping: event.version),
            worldID: event.worldID.isEmpty ? nil : event.worldID, title: title.text, source: event.source,
            contentHash: event.contentHash, tags: event.tags, piiCounts: counts, chunks: chunks)
    }

    /// Scrubs, chunks and embeds every chunk with a local embedder.
    public static func make(_ event: DocumentIngested, chunking: ChunkingSettings, embedder: any LocalEmbedder) -> DocumentPlan {
        var plan = make(event, chunking: chunking)
        plan.embed { embedder.embedOne($0) }
        return plan
    }

    /// Fills in every missing embedding.
    public mutating func embed(_ embedding: (String) -> [Float]) {
        for index in chunks.indices where chunks[index].embedding.isEmpty {
            chunks[index].embedding = embedding(chunks[index].embeddingInput)
        }
    }
}

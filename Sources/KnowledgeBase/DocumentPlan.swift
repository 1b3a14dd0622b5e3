import AnnalsEvents

/// What one `DocumentIngested` event becomes: the scrubbed document and its chunks with their embeddings.
/// Pure: the same event and settings always give the same plan.
public struct DocumentPlan: Sendable, Equatable {
    public struct PlannedChunk: Sendable, Equatable {
        public var ordinal: Int
        public var text: String
        public var headingPath: [String]
        public var tokenCount: Int
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

    /// Scrubs PII from the title and content, chunks the content and embeds every chunk.
    public static func make(_ event: DocumentIngested, chunking: ChunkingSettings, embedder: HashingEmbedder) -> DocumentPlan {
        let title = PIIScrubber.scrub(event.title)
        let content = PIIScrubber.scrub(event.content)
        var counts = title.counts
        counts.merge(content.counts, uniquingKeysWith: +)
        let chunks = Chunker.chunk(content.text, settings: chunking).map { chunk in
            PlannedChunk(ordinal: chunk.ordinal, text: chunk.text, headingPath: chunk.headingPath,
                         tokenCount: chunk.tokenCount,
                         embedding: embedder.embedOne(([title.text] + chunk.headingPath + [chunk.text]).joined(separator: "\n")))
        }
        return DocumentPlan(
            documentID: event.documentID, version: Int64(clamping: event.version),
            worldID: event.worldID.isEmpty ? nil : event.worldID, title: title.text, source: event.source,
            contentHash: event.contentHash, tags: event.tags, piiCounts: counts, chunks: chunks)
    }
}

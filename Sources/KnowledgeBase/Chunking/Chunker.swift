/// Cuts a document into chunks for embedding; pure and deterministic.
///
/// Sections start at each Markdown heading; within a section whole paragraphs are packed up to
/// `targetCharacters`; a paragraph above the target is cut at sentence ends, a sentence above
/// `maxCharacters` at whitespace, and a word above the max at Character boundaries. Sizes are
/// counted in Characters (grapheme clusters), so no cut falls inside a grapheme or a scalar.
public enum Chunker {
    /// The chunks of `text`, ordinals 0…n-1; none for empty or whitespace-only text.
    public static func chunk(_ text: String, settings: ChunkingSettings = .init()) -> [Chunk] {
        let settings = settings.clamped
        let table = CharacterTable(text)
        var chunks: [Chunk] = []
        for section in DocumentOutline.sections(of: table) {
            var pieces: [Range<Int>] = []
            for paragraph in section.paragraphs {
                pieces += ChunkPieces.pieces(of: paragraph, in: table, settings: settings)
            }
            for span in ChunkPacker.spans(of: pieces, in: table, settings: settings) {
                let chunkText = table.text(span)
                chunks.append(
                    Chunk(
                        ordinal: chunks.count,
                        text: chunkText,
                        range: table.byteRange(span),
                        headingPath: section.headingPath,
                        tokenCount: TextTokens.count(in: chunkText)))
            }
        }
        return chunks
    }
}

/// Packs one section's pieces into chunk spans: whole pieces, in order, up to the target, each
/// chunk after the first starting with a word-aligned tail of the previous one.
///
/// A chunk's length is measured from its first to its last Character, whitespace between
/// pieces included, so it never exceeds `maxCharacters`: a first piece is at most the max, the
/// overlap is dropped or shortened when it would push past the max, and later pieces are only
/// added while the chunk stays within the target.
enum ChunkPacker {
    static func spans(of pieces: [Range<Int>], in table: CharacterTable, settings: ChunkingSettings) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var next = 0
        while next < pieces.count {
            let first = pieces[next]
            var start = first.lowerBound
            if let previous = spans.last {
                start = overlapStart(after: previous, before: first, in: table, settings: settings)
            }
            var end = first.upperBound
            next += 1
            while next < pieces.count && pieces[next].upperBound - start <= settings.targetCharacters {
                end = pieces[next].upperBound
                next += 1
            }
            spans.append(start..<end)
        }
        return spans
    }

    /// Earliest word start in the last `overlapCharacters` of `previous`, after its first Character
    /// (so no chunk holds all of its predecessor), that keeps the chunk
    /// through `first` within the max; `first`'s own start when there is none.
    static func overlapStart(
        after previous: Range<Int>, before first: Range<Int>, in table: CharacterTable, settings: ChunkingSettings
    ) -> Int {
        let earliest = max(
            previous.lowerBound + 1,
            previous.upperBound - settings.overlapCharacters,
            first.upperBound - settings.maxCharacters)
        var candidate = earliest
        while candidate < previous.upperBound {
            if table.isWordStart(candidate) { return candidate }
            candidate += 1
        }
        return first.lowerBound
    }
}

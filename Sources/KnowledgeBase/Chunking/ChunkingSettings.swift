/// How big chunks are, in Characters (extended grapheme clusters, what a reader sees as one
/// character), so a chunk boundary never falls inside a Unicode scalar or a grapheme.
///
/// Invariant: `0 <= overlapCharacters < targetCharacters <= maxCharacters`. The memberwise
/// `init` clamps into it; ``init(validating:overlapCharacters:maxCharacters:)`` rejects
/// instead; the chunker clamps again, so no value can make it trap.
public struct ChunkingSettings: Sendable, Equatable {
    /// Size a chunk is packed up to when its pieces allow.
    public var targetCharacters: Int
    /// Most characters of the previous chunk's tail repeated at the start of the next one.
    public var overlapCharacters: Int
    /// Hard limit: no chunk is longer, whatever the input.
    public var maxCharacters: Int

    /// Settings clamped into the invariant: target at least 1, max at least target, overlap in `0..<target`.
    public init(targetCharacters: Int = 800, overlapCharacters: Int = 100, maxCharacters: Int = 1200) {
        let target = Swift.max(1, targetCharacters)
        self.targetCharacters = target
        self.maxCharacters = Swift.max(maxCharacters, target)
        self.overlapCharacters = Swift.min(Swift.max(0, overlapCharacters), target - 1)
    }

    /// Settings exactly as given, or an error saying which bound they break.
    public init(
        validating targetCharacters: Int, overlapCharacters: Int, maxCharacters: Int
    ) throws(InvalidChunkingSettings) {
        let candidate = ChunkingSettings(
            unchecked: targetCharacters, overlapCharacters: overlapCharacters, maxCharacters: maxCharacters)
        if let problem = candidate.problem { throw problem }
        self = candidate
    }

    private init(unchecked target: Int, overlapCharacters: Int, maxCharacters: Int) {
        self.targetCharacters = target
        self.overlapCharacters = overlapCharacters
        self.maxCharacters = maxCharacters
    }

    /// Whether `0 <= overlap < target <= max` holds (the properties are settable, so it may not).
    public var isValid: Bool { problem == nil }

    /// These settings forced into the invariant the way `init` does it.
    public var clamped: ChunkingSettings {
        ChunkingSettings(
            targetCharacters: targetCharacters, overlapCharacters: overlapCharacters, maxCharacters: maxCharacters)
    }

    private var problem: InvalidChunkingSettings? {
        if targetCharacters < 1 {
            return InvalidChunkingSettings(
                reason: "targetCharacters is \(targetCharacters): it must be at least 1")
        }
        if maxCharacters < targetCharacters {
            return InvalidChunkingSettings(
                reason: "maxCharacters \(maxCharacters) is below targetCharacters \(targetCharacters): raise it")
        }
        if overlapCharacters < 0 || overlapCharacters >= targetCharacters {
            return InvalidChunkingSettings(
                reason: "overlapCharacters \(overlapCharacters) must be in 0..<\(targetCharacters) (below targetCharacters)")
        }
        return nil
    }
}

/// Chunking settings that break `0 <= overlap < target <= max`.
public struct InvalidChunkingSettings: Error, Equatable, CustomStringConvertible {
    /// Which bound is broken and how to fix it.
    public var reason: String
    public var description: String { "invalid chunking settings: \(reason)" }
}

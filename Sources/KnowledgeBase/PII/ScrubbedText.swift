/// A text with its PII replaced by placeholders, and how many values of each kind were replaced.
public struct ScrubbedText: Sendable, Equatable {
    /// The scrubbed text; everything that was not PII is byte-identical to the input.
    public var text: String
    /// Replacements per kind; only kinds actually found appear (no zero entries).
    public var counts: [PIIKind: Int]

    public init(text: String, counts: [PIIKind: Int]) {
        self.text = text
        self.counts = counts
    }
}

/// A line the parser skipped (or a whole-scrape defect such as a missing `# EOF`), and why.
public struct ExpositionProblem: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the exposition.
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

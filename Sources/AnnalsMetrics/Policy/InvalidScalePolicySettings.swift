/// Policy settings with values the policy cannot honour, each problem saying which setting and what to use.
public struct InvalidScalePolicySettings: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line per broken setting.
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String { "invalid scale policy settings: " + problems.joined(separator: "; ") }
}

/// Why a document file cannot be published: the file, and every problem found in it, each with its line when known.
public struct DocumentFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One thing wrong with the file.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Line in the file, counting from 1; nil when the problem is the absence of something.
        public var line: Int?
        public var message: String

        public init(line: Int?, _ message: String) {
            self.line = line
            self.message = message
        }

        public var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    /// The path as it was given.
    public var path: String
    /// At least one problem.
    public var problems: [Problem]

    public init(path: String, problems: [Problem]) {
        self.path = path
        self.problems = problems
    }

    public init(path: String, line: Int? = nil, _ message: String) {
        self.init(path: path, problems: [Problem(line: line, message)])
    }

    /// One `path:line: message` per problem, as compilers print them, so editors can jump to the line.
    public var description: String {
        problems.map { problem in
            "\(path):" + (problem.line.map { "\($0):" } ?? "") + " \(problem.message)"
        }.joined(separator: "\n")
    }
}

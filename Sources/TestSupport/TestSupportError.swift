/// A test fixture could not be set up; `description` says what to do.
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and how to fix it.
    public var message: String

    /// An error with a message saying what failed and what to do.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

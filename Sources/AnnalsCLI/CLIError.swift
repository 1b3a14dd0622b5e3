/// A command failure with a message for the person who ran it.
public struct CLIError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

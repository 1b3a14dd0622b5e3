/// Why archive bytes cannot be read or written: a segment or manifest that is not what it claims.
public enum ArchiveFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a segment of this format; says where they stop making sense.
    case malformed(String)
    /// zlib failed.
    case compression(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed: \(reason)"
        case .compression(let reason): "compression failed: \(reason)"
        }
    }
}

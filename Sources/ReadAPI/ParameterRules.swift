/// Checks on request parameters, each failure an `APIError` naming the parameter and what is allowed; pure.
public enum ParameterRules {
    /// Longest identifier (world, document, concept, tier) accepted, in characters.
    public static let maxIdentifierCharacters = 200

    /// `value` as an identifier: 1 to 200 characters, no control characters.
    public static func identifier(_ name: String, _ value: String?) throws(APIError) -> String {
        guard let value, !value.isEmpty else { throw .invalid(name, "parameter \(name) is required") }
        try plainText(name, value, maxCharacters: maxIdentifierCharacters)
        return value
    }

    /// An optional identifier: absent stays nil, present must be valid.
    public static func optionalIdentifier(_ name: String, _ value: String?) throws(APIError) -> String? {
        guard let value else { return nil }
        return try identifier(name, value)
    }

    /// An integer in `range`, `defaultValue` when absent.
    public static func integer(_ name: String, _ value: String?, default defaultValue: Int, range: ClosedRange<Int>)
        throws(APIError) -> Int
    {
        guard let value else { return defaultValue }
        guard let number = Int(value), range.contains(number) else {
            throw .invalid(name, "parameter \(name) must be an integer from \(range.lowerBound) to \(range.upperBound), got '\(value.prefix(40))'")
        }
        return number
    }

    /// A 64-bit integer of at least `minimum`, `defaultValue` when absent.
    public static func integer64(_ name: String, _ value: String?, default defaultValue: Int64, minimum: Int64)
        throws(APIError) -> Int64
    {
        guard let value else { return defaultValue }
        guard let number = Int64(value), number >= minimum else {
            throw .invalid(name, "parameter \(name) must be an integer of at least \(minimum), got '\(value.prefix(40))'")
        }
        return number
    }

    /// Throws when `value` is longer than `maxCharacters` or holds control characters other than tab and newline.
    public static func plainText(_ name: String, _ value: String, maxCharacters: Int) throws(APIError) {
        if value.count > maxCharacters || value.utf8.count > maxCharacters * 4 {
            throw .invalid(name, "parameter \(name) is longer than \(maxCharacters) characters")
        }
        if value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t" && $0 != "\n") || $0.value == 0x7F }) {
            throw .invalid(name, "parameter \(name) contains control characters")
        }
    }
}

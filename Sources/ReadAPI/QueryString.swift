/// The parameters of a URL's query string (`a=1&b=two+words`), decoded as a form is: `+` is a space, `%XX` a
/// byte; pure.
public struct QueryString: Sendable, Equatable {
    /// Every parameter as given, in order; a name may repeat.
    public var pairs: [(name: String, value: String)]

    public static func == (lhs: QueryString, rhs: QueryString) -> Bool {
        lhs.pairs.map(\.name) == rhs.pairs.map(\.name) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    /// Parses `query` (without the `?`); throws naming the parameter whose escapes are not UTF-8.
    public init(_ query: String?) throws(APIError) {
        pairs = []
        for piece in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = String(parts[0])
            let name = Self.decode(rawName) ?? rawName
            guard let value = Self.decode(parts.count > 1 ? String(parts[1]) : "") else {
                throw .invalid(name, "parameter \(name) is not valid percent-encoded UTF-8")
            }
            pairs.append((name, value))
        }
    }

    /// The value of `name`; throws when it is given more than once.
    public func value(_ name: String) throws(APIError) -> String? {
        let values = pairs.filter { $0.name == name }.map(\.value)
        if values.count > 1 { throw .invalid(name, "parameter \(name) is given \(values.count) times; give it once") }
        return values.first
    }

    /// Names that are not in `known`, so a misspelt parameter is an error rather than silently ignored.
    public func unknownNames(_ known: Set<String>) -> [String] {
        var seen = Set<String>()
        return pairs.map(\.name).filter { !known.contains($0) && seen.insert($0).inserted }
    }

    private static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

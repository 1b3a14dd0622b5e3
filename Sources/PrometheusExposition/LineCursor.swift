/// A read position in one line of exposition bytes; every read is bounds-checked, so no input can trap it.
struct LineCursor {
    let bytes: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    var isAtEnd: Bool { position >= bytes.endIndex }
    var current: UInt8? { isAtEnd ? nil : bytes[position] }
    var rest: ArraySlice<UInt8> { isAtEnd ? [] : bytes[position...] }

    mutating func advance() {
        if !isAtEnd { position += 1 }
    }

    mutating func skipBlanks() {
        while let byte = current, byte.isBlank { advance() }
    }

    /// The bytes up to the next blank or the end of the line.
    mutating func token() -> ArraySlice<UInt8> {
        take { !$0.isBlank }
    }

    mutating func take(while matches: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = position
        while let byte = current, matches(byte) { advance() }
        return bytes[start..<position]
    }

    /// The metric name at the cursor (`[a-zA-Z_:][a-zA-Z0-9_:]*`), nil when none starts here.
    mutating func metricName() -> String? {
        guard let first = current, first.isLetterOrUnderscore || first == UInt8(ascii: ":") else { return nil }
        return String(decoding: take { $0.isLetterOrUnderscore || $0.isDigit || $0 == UInt8(ascii: ":") }, as: UTF8.self)
    }

    /// The label name at the cursor (`[a-zA-Z_][a-zA-Z0-9_]*`), nil when none starts here.
    mutating func labelName() -> String? {
        guard let first = current, first.isLetterOrUnderscore else { return nil }
        return String(decoding: take { $0.isLetterOrUnderscore || $0.isDigit }, as: UTF8.self)
    }
}

extension UInt8 {
    var isBlank: Bool { self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") }
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isLetterOrUnderscore: Bool {
        (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
            || self == UInt8(ascii: "_")
    }
}

/// Text quoted in a problem's reason, cut short so a binary or HTML body cannot make reasons huge.
func excerpt<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
    let limit = 40
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    return "`" + text + (bytes.count > limit ? "…`" : "`")
}

/// A float as Go's `strconv.ParseFloat` reads exposition values: decimal with optional exponent, or `NaN`,
/// `Inf`, `+Inf`, `-Inf` (any case, `Infinity` too). Nil for anything else, hexadecimal floats included.
func parseExpositionFloat<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Double? {
    guard !bytes.isEmpty, bytes.count <= 400 else { return nil }
    let text = String(decoding: bytes, as: UTF8.self)
    var unsigned = Substring(text)
    var negative = false
    if let sign = unsigned.first, sign == "+" || sign == "-" {
        negative = sign == "-"
        unsigned = unsigned.dropFirst()
    }
    switch unsigned.lowercased() {
    case "inf", "infinity": return negative ? -.infinity : .infinity
    case "nan": return .nan
    default: break
    }
    let allowed = bytes.allSatisfy {
        $0.isDigit || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
            || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
    }
    guard allowed, unsigned.first.map({ $0.isNumber || $0 == "." }) == true else { return nil }
    return Double(text)
}

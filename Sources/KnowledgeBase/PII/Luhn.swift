/// The Luhn (mod 10) check digit test used by payment card and Canadian SIN numbers.
enum Luhn {
    /// Whether the digits (values 0–9, most significant first) pass the Luhn check.
    static func isValid(_ digits: [UInt8]) -> Bool {
        guard !digits.isEmpty else { return false }
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// The digit values found in `range` of `text`, separators skipped.
    static func digits(of text: ASCIIText, in range: Range<Int>) -> [UInt8] {
        var digits: [UInt8] = []
        digits.reserveCapacity(range.count)
        for index in range where text[index].isASCIIDigit {
            digits.append(text[index] - UInt8(ascii: "0"))
        }
        return digits
    }
}

/// Replaces personally identifiable information in a text by typed placeholders; pure.
///
/// One left-to-right pass over the UTF-8 bytes. At each position where a token may start (a
/// letter, digit, `+`, `(`, `:` or non-ASCII character not preceded by an ASCII letter or
/// digit) the recognisers are tried in a fixed precedence and the first match is replaced;
/// scanning resumes after it.
/// Every recogniser looks at a bounded window (at most a few hundred bytes), so the pass is
/// linear in the input and there is no backtracking. Bytes outside matches are copied as
/// they are, so ordinary text, including non-ASCII text, comes out byte-identical; the
/// placeholders contain nothing any recogniser matches, so scrubbing is idempotent.
public enum PIIScrubber {
    /// Precedence: the most specific shapes first. Cloud keys and emails contain runs that
    /// look like other things; IPv6 before IPv4 so "::ffff:1.2.3.4" is one address; national
    /// ids before cards and phones because "123-45-6789" has a phone's digit count.
    static let precedence: [PIIKind] = [.cloudAccessKey, .email, .ipv6, .ipv4, .nationalID, .paymentCard, .phone]

    /// The text with every recognised value replaced by its kind's placeholder, with counts.
    public static func scrub(_ text: String) -> ScrubbedText {
        var input = ASCIIText(text)
        var output: [UInt8] = []
        var counts: [PIIKind: Int] = [:]
        var copiedUpTo = 0
        var index = 0
        while index < input.count {
            guard mayStartToken(input, at: index), let (kind, range) = firstMatch(in: input, at: index) else {
                index += 1
                continue
            }
            if output.isEmpty { output.reserveCapacity(input.count) }
            output.append(contentsOf: input.bytes[copiedUpTo..<range.lowerBound])
            output.append(contentsOf: kind.placeholder.utf8)
            counts[kind, default: 0] += 1
            index = range.upperBound
            copiedUpTo = index
            input.floor = index
        }
        guard !counts.isEmpty else { return ScrubbedText(text: text, counts: [:]) }
        output.append(contentsOf: input.bytes[copiedUpTo...])
        return ScrubbedText(text: String(decoding: output, as: UTF8.self), counts: counts)
    }

    private static func mayStartToken(_ text: ASCIIText, at index: Int) -> Bool {
        let byte = text[index]
        // A UTF-8 lead byte may start an internationalised email address.
        guard byte.isASCIIAlphanumeric || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "(")
            || byte == UInt8(ascii: ":") || byte >= 0xC2
        else { return false }
        return !text[index - 1].isASCIIAlphanumeric
    }

    private static func firstMatch(in text: ASCIIText, at index: Int) -> (PIIKind, Range<Int>)? {
        for kind in precedence {
            if let range = match(kind, in: text, at: index) { return (kind, range) }
        }
        return nil
    }

    private static func match(_ kind: PIIKind, in text: ASCIIText, at index: Int) -> Range<Int>? {
        switch kind {
        case .email: EmailRecognizer.match(in: text, at: index)
        case .phone: PhoneRecognizer.match(in: text, at: index)
        case .paymentCard: PaymentCardRecognizer.match(in: text, at: index)
        case .ipv4: IPv4Recognizer.match(in: text, at: index)
        case .ipv6: IPv6Recognizer.match(in: text, at: index)
        case .nationalID: NationalIDRecognizer.match(in: text, at: index)
        case .cloudAccessKey: CloudAccessKeyRecognizer.match(in: text, at: index)
        }
    }
}

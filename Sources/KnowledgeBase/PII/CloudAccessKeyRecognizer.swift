/// Finds cloud and SaaS access credentials by their documented shapes.
///
/// Rules (each bounded by non-word characters on both sides):
/// - AWS access key ids: `AKIA` or `ASIA` plus 16 uppercase letters or digits.
/// - AWS secret access keys: 40 base64 characters (`A–Z a–z 0–9 / + =`) after the label
///   `aws_secret_access_key` or `secret_access_key` (any case, as in `~/.aws/credentials`, an
///   environment variable or YAML) or `SecretAccessKey` (as in `aws sts` JSON output), then
///   `=` or `:`, label and value optionally quoted. Only the value is replaced, the label stays. A bare
///   40-character string is not matched: git commit hashes have that shape too.
/// - Google API keys: `AIza` plus 35 of `A–Z a–z 0–9 _ -`.
/// - GitHub tokens: `ghp_`, `gho_`, `ghu_`, `ghs_` or `ghr_` plus 36 letters or digits, and
///   fine-grained `github_pat_` plus at least 22 of letters, digits and `_`.
/// - Slack tokens: `xoxa-`, `xoxb-`, `xoxp-`, `xoxr-` or `xoxs-` plus at least 10 of
///   letters, digits and `-`, containing a digit.
enum CloudAccessKeyRecognizer {
    static func match(in text: ASCIIText, at start: Int) -> Range<Int>? {
        guard !text[start - 1].isASCIIAlphanumeric else { return nil }
        switch text[start] {
        case UInt8(ascii: "A"):
            if text.hasPrefix("AKIA", at: start) || text.hasPrefix("ASIA", at: start) {
                return fixedLength(in: text, at: start, prefix: 4, body: 16, allowed: isUppercaseOrDigit)
            }
            if text.hasPrefix("AIza", at: start) {
                return fixedLength(in: text, at: start, prefix: 4, body: 35, allowed: isURLSafeBase64)
            }
        case UInt8(ascii: "g"):
            if text.hasPrefix("github_pat_", at: start) {
                let length = run(in: text, from: start + 11, limit: 255) { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "_") }
                guard length >= 22, length < 255 else { return nil }
                return start..<start + 11 + length
            }
            if text.hasPrefix("gh", at: start), "pousr".utf8.contains(text[start + 2]),
                text[start + 3] == UInt8(ascii: "_")
            {
                return fixedLength(in: text, at: start, prefix: 4, body: 36, allowed: \.isASCIIAlphanumeric)
            }
        case UInt8(ascii: "x"):
            if text.hasPrefix("xox", at: start), "abprs".utf8.contains(text[start + 3]),
                text[start + 4] == UInt8(ascii: "-")
            {
                return slackToken(in: text, at: start)
            }
        default:
            break
        }
        return labelledAWSSecret(in: text, at: start)
    }

    private static func isUppercaseOrDigit(_ byte: UInt8) -> Bool {
        byte.isASCIIUppercase || byte.isASCIIDigit
    }

    private static func isURLSafeBase64(_ byte: UInt8) -> Bool {
        byte.isASCIIAlphanumeric || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        byte.isASCIIAlphanumeric || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "=")
    }

    private static func run(in text: ASCIIText, from start: Int, limit: Int, _ allowed: (UInt8) -> Bool) -> Int {
        var end = start
        while end - start < limit, allowed(text[end]) { end += 1 }
        return end - start
    }

    /// Exactly `body` allowed bytes after a `prefix`-byte prefix, and no more.
    private static func fixedLength(
        in text: ASCIIText, at start: Int, prefix: Int, body: Int, allowed: (UInt8) -> Bool
    ) -> Range<Int>? {
        let length = run(in: text, from: start + prefix, limit: body + 1, allowed)
        let end = start + prefix + body
        guard length == body, !text[end].isASCIIAlphanumeric, text[end] != UInt8(ascii: "_") else { return nil }
        return start..<end
    }

    private static func slackToken(in text: ASCIIText, at start: Int) -> Range<Int>? {
        var length = run(in: text, from: start + 5, limit: 256) { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }
        guard length < 256 else { return nil }
        while length > 0, text[start + 5 + length - 1] == UInt8(ascii: "-") { length -= 1 }
        let body = start + 5..<start + 5 + length
        guard length >= 10, text[body.upperBound] != UInt8(ascii: "_"),
            body.contains(where: { text[$0].isASCIIDigit })
        else { return nil }
        return start..<body.upperBound
    }

    private static func labelledAWSSecret(in text: ASCIIText, at start: Int) -> Range<Int>? {
        var cursor: Int
        if text.hasPrefix("aws_secret_access_key", at: start, caseInsensitive: true) {
            cursor = start + 21
        } else if text.hasPrefix("secret_access_key", at: start, caseInsensitive: true) {
            cursor = start + 17
        } else if text.hasPrefix("secretaccesskey", at: start, caseInsensitive: true) {
            cursor = start + 15
        } else {
            return nil
        }
        func skipQuote() {
            if text[cursor] == UInt8(ascii: "\"") || text[cursor] == UInt8(ascii: "'") { cursor += 1 }
        }
        skipQuote()
        skipBlanks(text, &cursor)
        guard text[cursor] == UInt8(ascii: "=") || text[cursor] == UInt8(ascii: ":") else { return nil }
        cursor += 1
        skipBlanks(text, &cursor)
        skipQuote()
        let length = run(in: text, from: cursor, limit: 41, isBase64)
        guard length == 40 else { return nil }
        return cursor..<cursor + 40
    }

    private static func skipBlanks(_ text: ASCIIText, _ cursor: inout Int) {
        var steps = 0
        while steps < 16, text[cursor] == UInt8(ascii: " ") || text[cursor] == UInt8(ascii: "\t") {
            cursor += 1
            steps += 1
        }
    }
}

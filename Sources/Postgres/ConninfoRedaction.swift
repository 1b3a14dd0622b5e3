/// Returns `conninfo` (a libpq URL or key=value string) with passwords replaced by `xxxxx`, for logs and config dumps.
public func redacted(_ conninfo: String) -> String {
    ConninfoRedaction(conninfo).redacted
}

/// Finds the secret values in a conninfo string so they can be masked in logs and scrubbed from messages.
struct ConninfoRedaction {
    static let mask = "xxxxx"
    static let secretKeys: Set<String> = ["password", "sslpassword"]

    /// The conninfo with secret values masked.
    let redacted: String
    /// The secret values as written and, for URLs, percent-decoded.
    let secrets: [String]

    init(_ conninfo: String) {
        if conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://") {
            (redacted, secrets) = Self.redactURL(conninfo)
        } else if let result = Self.redactKeywordValue(conninfo) {
            (redacted, secrets) = result
        } else {
            // Unparseable: libpq would reject it too, and we cannot tell where a password ends.
            redacted = "(unparseable conninfo, redacted)"
            secrets = [conninfo]
        }
    }

    /// Removes every known secret from a message (libpq can echo parts of a malformed conninfo).
    func scrub(_ message: String) -> String {
        var text = message
        for secret in secrets where !secret.isEmpty {
            text = text.replacing(secret, with: Self.mask)
        }
        return text
    }

    private static func redactURL(_ url: String) -> (String, [String]) {
        var secrets: [String] = []
        guard let schemeEnd = url.firstRange(of: "://") else { return (url, []) }
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        var authority = String(afterScheme[..<authorityEnd])
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                let password = String(userinfo[userinfo.index(after: colon)...])
                secrets.append(password)
                if let decoded = percentDecoded(password) { secrets.append(decoded) }
                authority = userinfo[...colon] + mask + authority[at...]
            }
        }
        var rest = String(afterScheme[authorityEnd...])
        if let question = rest.firstIndex(of: "?") {
            let path = rest[..<question]
            let query = rest[rest.index(after: question)...]
            let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
                let key = pair[..<equals]
                guard secretKeys.contains(percentDecoded(String(key)) ?? String(key)) else { return String(pair) }
                let value = String(pair[pair.index(after: equals)...])
                secrets.append(value)
                if let decoded = percentDecoded(value) { secrets.append(decoded) }
                return key + "=" + mask
            }
            rest = path + "?" + parameters.joined(separator: "&")
        }
        return (url[..<schemeEnd.upperBound] + authority + rest, secrets)
    }

    /// Parses `key = value` pairs the way libpq does (single quotes, backslash escapes).
    private static func redactKeywordValue(_ conninfo: String) -> (String, [String])? {
        let chars = Array(conninfo)
        var output = ""
        var secrets: [String] = []
        var i = 0
        func skipSpaces() {
            while i < chars.count, chars[i].isWhitespace {
                output.append(chars[i])
                i += 1
            }
        }
        while true {
            skipSpaces()
            if i >= chars.count { break }
            var key = ""
            while i < chars.count, chars[i] != "=", !chars[i].isWhitespace {
                key.append(chars[i])
                i += 1
            }
            output += key
            skipSpaces()
            guard i < chars.count, chars[i] == "=" else { return nil }
            output.append("=")
            i += 1
            skipSpaces()
            var raw = ""
            var value = ""
            if i < chars.count, chars[i] == "'" {
                raw.append("'")
                i += 1
                var closed = false
                while i < chars.count {
                    let c = chars[i]
                    raw.append(c)
                    i += 1
                    if c == "\\", i < chars.count {
                        raw.append(chars[i])
                        value.append(chars[i])
                        i += 1
                    } else if c == "'" {
                        closed = true
                        break
                    } else {
                        value.append(c)
                    }
                }
                guard closed else { return nil }
            } else {
                while i < chars.count, !chars[i].isWhitespace {
                    let c = chars[i]
                    raw.append(c)
                    i += 1
                    if c == "\\", i < chars.count {
                        raw.append(chars[i])
                        value.append(chars[i])
                        i += 1
                    } else {
                        value.append(c)
                    }
                }
            }
            if secretKeys.contains(key) {
                secrets.append(value)
                secrets.append(raw)
                output += mask
            } else if key == "dbname", value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
                // libpq expands a URL given as dbname.
                let inner = redactURL(value)
                secrets += inner.1
                output += inner.1.isEmpty ? raw : inner.0
            } else {
                output += raw
            }
        }
        return (output, secrets)
    }

    private static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return nil }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

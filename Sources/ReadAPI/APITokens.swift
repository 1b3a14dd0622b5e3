import Foundation
import Crypto

/// The bearer tokens annals-api accepts (`--auth-token-file`, or `$ANNALS_API_AUTH_TOKENS` holding the same text).
///
/// One token per line: `name token [requests-per-second [burst]]`; `#` starts a comment. A name may have several
/// tokens, which is how a token is rotated: add the new one under the same name, move the clients, remove the old.
/// Requests with a token share the name's rate limit (its own numbers, else the API's `--rate-limit`). Tokens are
/// kept only as SHA-256 digests and compared in constant time; errors name lines, never tokens.
public struct APITokens: Sendable {
    public struct Token: Sendable {
        public let name: String
        public let limit: RateLimit?
        let digest: [UInt8]
    }

    /// What a request's `Authorization` headers prove.
    public enum Authentication: Sendable, Equatable {
        case granted(name: String, limit: RateLimit?)
        /// No `Authorization` header.
        case missing
        /// A header that is not one valid bearer token; the reason names what was wrong, never the token.
        case invalid(String)
    }

    public let tokens: [Token]
    /// The names, once each, in file order: what logs and `/metrics` may show.
    public var names: [String] { tokens.map(\.name).reduce(into: []) { if !$0.contains($1) { $0.append($1) } } }

    static let minimumLength = 16
    static let maximumLength = 4_096

    /// Parses the file's text; `source` (its path) prefixes every error.
    public init(parsing text: String, source: String) throws(APITokensError) {
        var tokens: [Token] = []
        var limits: [String: RateLimit?] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard !fields.isEmpty else { continue }
            let at = "\(source):\(index + 1)"
            guard (2...4).contains(fields.count) else {
                throw APITokensError("\(at): expected `name token [requests-per-second [burst]]`, found \(fields.count) fields")
            }
            let name = String(fields[0]), token = fields[1]
            guard name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                throw APITokensError("\(at): the name must be 1 to 64 letters, digits, '.', '_' or '-'")
            }
            guard (Self.minimumLength...Self.maximumLength).contains(token.utf8.count), token.utf8.allSatisfy(Self.isTokenByte) else {
                throw APITokensError("\(at): \(name)'s token must be \(Self.minimumLength) to \(Self.maximumLength) characters "
                                     + "of letters, digits and -._~+/= (e.g. `openssl rand -hex 32`)")
            }
            var limit: RateLimit?
            if fields.count >= 3 {
                guard let rate = Double(fields[2]), rate > 0, rate.isFinite else {
                    throw APITokensError("\(at): requests-per-second must be a positive number, found \(fields[2])")
                }
                let burst = fields.count == 4 ? Double(fields[3]) : max(rate * 2, 1)
                guard let burst, burst >= 1, burst.isFinite else {
                    throw APITokensError("\(at): burst must be a number of at least 1, found \(fields[3])")
                }
                limit = RateLimit(perSecond: rate, burst: burst)
            }
            if let earlier = limits[name], earlier != limit {
                throw APITokensError("\(at): \(name) has another line with a different rate limit: give its tokens the same")
            }
            limits[name] = limit
            let digest = Array(SHA256.hash(data: Array(token.utf8)))
            guard !tokens.contains(where: { $0.digest == digest }) else { throw APITokensError("\(at): this token is also on an earlier line") }
            tokens.append(Token(name: name, limit: limit, digest: digest))
        }
        guard !tokens.isEmpty else { throw APITokensError("\(source): no tokens: every request would be refused") }
        self.tokens = tokens
    }

    /// Checks a request's `Authorization` header values: exactly one, `Bearer <token>`, the token one of ours.
    /// Every token's digest is compared, whole, whichever matches.
    public func authenticate(_ authorization: [String]) -> Authentication {
        guard let header = authorization.first else { return .missing }
        guard authorization.count == 1 else { return .invalid("more than one Authorization header") }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .invalid("not a Bearer token") }
        let presented = parts[1].trimmingCharacters(in: [" "])
        guard presented.utf8.count <= Self.maximumLength else { return .invalid("unknown token") }
        let digest = Array(SHA256.hash(data: Array(presented.utf8)))
        var granted: Token?
        for token in tokens where Self.constantTimeEqual(token.digest, digest) {
            granted = token
        }
        guard let granted else { return .invalid("unknown token") }
        return .granted(name: granted.name, limit: granted.limit)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || "-._~+/=".utf8.contains(byte)
    }

    /// Whether two digests are equal, looking at every byte whatever differs.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// A token file that cannot be used, naming the line.
public struct APITokensError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

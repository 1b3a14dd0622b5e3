import Crypto
import Foundation

/// AWS Signature Version 4 for one service in one region: canonical request, string to sign, signing key and the
/// `Authorization` header. Pure: the time is an argument, so the published test vectors can be reproduced.
public struct AWSSigV4: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    /// The signing name of the service, e.g. `ecs`, `autoscaling`.
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// A request to sign. The path is given as sent, its segments percent-encoded once (`encodedPath`): the canonical
    /// request encodes each segment once more, as every service but S3 expects. Query parameters are given decoded,
    /// in any order.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var path: String
        public var query: [(name: String, value: String)]
        /// Every header to sign, `Host` included, in any case and order.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, path: String = "/", query: [(name: String, value: String)] = [],
                    headers: [(name: String, value: String)], body: [UInt8] = []) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }

        public static func == (lhs: Request, rhs: Request) -> Bool {
            lhs.method == rhs.method && lhs.path == rhs.path && lhs.body == rhs.body
                && lhs.query.elementsEqual(rhs.query, by: ==) && lhs.headers.elementsEqual(rhs.headers, by: ==)
        }
    }

    /// Everything signing produced, for tests and debugging.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signedHeaders: String
        /// Lower-case hex HMAC.
        public var signature: String
        public var authorization: String
        /// Headers to add to the request: `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials), `Authorization`.
        public var headers: [(name: String, value: String)]
    }

    /// Signs `request` as of `date`. `X-Amz-Date` (and the session token, if any) are added to the signed headers.
    public func sign(_ request: Request, at date: Date) -> Signature {
        let amzDate = Self.amzDate(date)
        var headers = request.headers.filter {
            !["x-amz-date", "x-amz-security-token", "authorization"].contains($0.name.lowercased())
        }
        headers.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        var signing = request
        signing.headers = headers
        let (canonical, signedHeaders) = Self.canonicalRequest(signing)
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(canonical.utf8)))]
            .joined(separator: "\n")
        let key = Self.signingKey(secret: credentials.secretAccessKey, date: String(amzDate.prefix(8)),
                                  region: region, service: service)
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: SymmetricKey(data: key)))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        var added: [(name: String, value: String)] = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        added.append(("Authorization", authorization))
        return Signature(canonicalRequest: canonical, stringToSign: stringToSign, signedHeaders: signedHeaders,
                         signature: signature, authorization: authorization, headers: added)
    }

    /// The canonical request and the signed-headers list.
    static func canonicalRequest(_ request: Request) -> (String, String) {
        var byName: [String: [String]] = [:]
        for (name, value) in request.headers {
            byName[name.lowercased(), default: []].append(canonicalHeaderValue(value))
        }
        let sorted = byName.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        let canonicalHeaders = sorted.map { "\($0.key):\($0.value.joined(separator: ","))\n" }.joined()
        let signedHeaders = sorted.map(\.key).joined(separator: ";")
        let query = request.query
            .map { (uriEncode($0.name), uriEncode($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
        let path = request.path.isEmpty ? "/" : request.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode(String($0)) }.joined(separator: "/")
        let canonical = [
            request.method.uppercased(), path, query, canonicalHeaders, signedHeaders,
            hex(SHA256.hash(data: request.body)),
        ].joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    /// The path to send for `segments` (unencoded, e.g. a model id with a `:`): each one percent-encoded, `/`-joined.
    /// No segments is `/`.
    public static func encodedPath(_ segments: [String]) -> String {
        "/" + segments.map(uriEncode).joined(separator: "/")
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    public static func signingKey(secret: String, date: String, region: String, service: String) -> [UInt8] {
        var key = Array("AWS4\(secret)".utf8)
        for part in [date, region, service, "aws4_request"] {
            key = Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: SymmetricKey(data: key)))
        }
        return key
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + two(month) + two(day)
            + "T" + two(rest / 3600) + two(rest / 60 % 60) + two(rest % 60) + "Z"
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Trimmed, with runs of spaces inside collapsed to one.
    private static func canonicalHeaderValue(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, as AWS specifies.
    public static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

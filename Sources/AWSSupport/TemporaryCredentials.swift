import Foundation

/// Credentials that expire, as the container credentials endpoint serves them:
/// `{"AccessKeyId": …, "SecretAccessKey": …, "Token": …, "Expiration": "2026-12-04T18:00:00Z"}`.
public struct TemporaryCredentials: Sendable, Equatable, CustomStringConvertible {
    public var credentials: AWSCredentials
    public var expiration: Date

    public init(credentials: AWSCredentials, expiration: Date) {
        self.credentials = credentials
        self.expiration = expiration
    }

    /// The credentials in a response of the endpoint, or what is wrong with it. Never quotes the body, which may
    /// hold the secret.
    public static func parse(status: Int, body: [UInt8]) throws(ContainerCredentialsError) -> TemporaryCredentials {
        let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        guard (200..<300).contains(status) else {
            // Error answers are {"code": …, "message": …} (the ECS agent) or {"Code": …, "Message": …}.
            func text(_ keys: String...) -> String? {
                keys.lazy.compactMap { object?[$0] as? String }.first.map { String($0.prefix(300)) }
            }
            throw .refused(status: status, code: text("code", "Code"), message: text("message", "Message"))
        }
        guard let object else { throw .notJSON(byteCount: body.count) }
        func field(_ name: String) -> String? {
            guard let text = (object[name] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                return nil
            }
            return text
        }
        let names = ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"]
        let missing = names.filter { field($0) == nil }
        guard missing.isEmpty, let id = field("AccessKeyId"), let secret = field("SecretAccessKey"), let token = field("Token"),
              let expirationText = field("Expiration")
        else { throw .missingFields(missing) }
        guard let expiration = parseTimestamp(expirationText) else { throw .invalidExpiration(String(expirationText.prefix(40))) }
        return TemporaryCredentials(credentials: AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token),
                                    expiration: expiration)
    }

    /// ISO 8601 with a time zone, with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    public var description: String {
        "\(credentials), expiring \(ISO8601DateFormatter().string(from: expiration))"
    }
}

/// What is wrong with an answer of the container credentials endpoint.
public enum ContainerCredentialsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A status other than 2xx, with the endpoint's error code and message if it sent them.
    case refused(status: Int, code: String?, message: String?)
    /// A 2xx body that is not a JSON object.
    case notJSON(byteCount: Int)
    /// A JSON object without these fields (or with them empty).
    case missingFields([String])
    /// `Expiration` is not an ISO 8601 timestamp.
    case invalidExpiration(String)

    public var description: String {
        switch self {
        case .refused(let status, let code, let message):
            return "answered HTTP \(status)" + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        case .notJSON(let count):
            return "answered with \(count) bytes that are not a JSON object"
        case .missingFields(let names):
            return "answered without \(names.joined(separator: ", ")) in its JSON"
        case .invalidExpiration(let text):
            return "answered with Expiration \"\(text)\", which is not an ISO 8601 timestamp"
        }
    }
}

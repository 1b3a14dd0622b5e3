import Foundation

/// An AWS access key, from the standard environment variables. Its description (and mirror) shows only the last four
/// characters of the key id and never the secret or the session token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Present for temporary credentials (STS, an assumed role).
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, if set, AWS_SESSION_TOKEN.
    public static func fromEnvironment(_ environment: [String: String]) throws(AWSSettingsError) -> AWSCredentials {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        let missing = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].filter { value($0) == nil }
        guard missing.isEmpty, let id = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw .missingCredentials(missing)
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
    }

    public var description: String {
        let shownID = accessKeyID.count > 8 ? "…" + accessKeyID.suffix(4) : "…"
        return "access key \(shownID), secret <redacted>" + (sessionToken == nil ? "" : ", session token <redacted>")
    }

    public var debugDescription: String { description }

    /// The description only: a `dump` must not show the secret.
    public var customMirror: Mirror { Mirror(self, children: ["redacted": description]) }
}

import Foundation

/// When temporary credentials must be fetched again: pure, the time is an argument. Credentials are used until
/// `refreshWindow` before they expire; then (or once AWS refused them) every request fetches first, and falls back on
/// the cached ones only while they have at least `minimumValidity` left.
struct CredentialCache: Sendable, Equatable {
    /// Fetch again when less than this remains (the AWS SDKs refresh 5 to 15 minutes early; the ECS agent hands out
    /// new credentials well before the old ones expire).
    var refreshWindow = Self.defaultRefreshWindow
    static let defaultRefreshWindow: TimeInterval = 5 * 60
    /// Do not sign with credentials expiring sooner than this: the request could arrive after they expired.
    var minimumValidity: TimeInterval = 15
    private(set) var current: TemporaryCredentials?
    /// AWS refused a request signed with `current`.
    private(set) var rejected = false

    /// What to do before signing a request.
    enum Action: Sendable, Equatable {
        /// Sign with these.
        case use(AWSCredentials)
        /// Fetch new credentials; if that fails, sign with `fallback` (nil: fail the request).
        case fetch(fallback: AWSCredentials?)
    }

    func action(at now: Date) -> Action {
        guard let current else { return .fetch(fallback: nil) }
        let remaining = current.expiration.timeIntervalSince(now)
        if !rejected && remaining > refreshWindow { return .use(current.credentials) }
        return .fetch(fallback: remaining > minimumValidity ? current.credentials : nil)
    }

    /// Newly fetched credentials replace the cached ones.
    mutating func received(_ credentials: TemporaryCredentials) {
        current = credentials
        rejected = false
    }

    /// AWS refused a request signed with the key `accessKeyID`; if that is still the cached key, fetch before the
    /// next request.
    mutating func refused(accessKeyID: String) {
        if current?.credentials.accessKeyID == accessKeyID { rejected = true }
    }
}

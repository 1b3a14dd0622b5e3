import AsyncHTTPClient
import Foundation

/// EC2's instance metadata service, IMDSv2: a session token from `PUT /latest/api/token`, sent with every `GET`
/// and taken again a minute before it expires (or when the service refuses it).
public actor InstanceMetadata {
    private let baseURL: String
    private let fetch: HTTPFetch
    private let timeout: Duration
    private let tokenLifetime: Duration
    private var token: (value: String, expires: ContinuousClock.Instant)?

    /// The service at `baseURL` (e.g. `http://169.254.169.254`); each call has `timeout` to answer.
    public init(baseURL: String, client: HTTPClient, timeout: Duration = .seconds(1), tokenLifetime: Duration = .seconds(21_600)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.fetch = HTTPFetch(client: client, byteLimit: 64 << 10)
        self.timeout = timeout
        self.tokenLifetime = tokenLifetime
    }

    /// This instance's id.
    public func instanceID() async throws(SourceError) -> String {
        let answer = try await get("/latest/meta-data/instance-id")
        guard answer.status == 200 else { throw .status(url: baseURL + "/latest/meta-data/instance-id", code: answer.status) }
        return answer.body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether EC2 has scheduled this spot instance's interruption: `spot/instance-action` answers 404 until it
    /// has, then a JSON body such as `{"action": "terminate", "time": "2026-12-07T08:22:00Z"}`.
    public func spotInterruptionNotice() async throws(SourceError) -> Bool {
        let path = "/latest/meta-data/spot/instance-action"
        let answer = try await get(path)
        switch answer.status {
        case 404: return false
        case 200: return Self.isNotice(answer.body)
        default: throw .status(url: baseURL + path, code: answer.status)
        }
    }

    /// A body naming an action EC2 will take (stop, terminate, hibernate).
    static func isNotice(_ body: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let action = object["action"] as? String else { return false }
        return ["stop", "terminate", "hibernate"].contains(action.lowercased())
    }

    private func get(_ path: String) async throws(SourceError) -> HTTPFetch.Answer {
        let answer = try await fetch.fetch(baseURL + path, headers: [("X-aws-ec2-metadata-token", try await currentToken())],
                                           timeout: timeout)
        guard answer.status == 401 else { return answer }
        // The token expired early or the service restarted: take a new one, once.
        token = nil
        return try await fetch.fetch(baseURL + path, headers: [("X-aws-ec2-metadata-token", try await currentToken())],
                                     timeout: timeout)
    }

    private func currentToken() async throws(SourceError) -> String {
        let now = ContinuousClock.now
        if let token, token.expires > now + .seconds(60) { return token.value }
        let seconds = max(1, tokenLifetime.components.seconds)
        let url = baseURL + "/latest/api/token"
        let answer = try await fetch.fetch(url, method: .PUT, headers: [("X-aws-ec2-metadata-token-ttl-seconds", "\(seconds)")],
                                           timeout: timeout)
        guard answer.status == 200, !answer.body.isEmpty else { throw .status(url: url, code: answer.status) }
        token = (answer.body, now + .seconds(seconds))
        return answer.body
    }
}

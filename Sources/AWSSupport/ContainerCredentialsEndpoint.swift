import Foundation

/// Where an ECS task (or an EKS pod with Pod Identity) gets its role's temporary credentials: the container
/// credentials endpoint named by `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `AWS_CONTAINER_CREDENTIALS_FULL_URI`,
/// and the `Authorization` header to send to it. Pure: reading the token file happens when fetching.
public struct ContainerCredentialsEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// What goes in the `Authorization` header of each fetch.
    public enum Authorization: Sendable, Equatable {
        case none
        /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`; never printed.
        case token(String)
        /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`: read at every fetch, since the file may be rotated.
        case tokenFile(String)
    }

    /// The ECS agent's credentials endpoint, which `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is relative to.
    public static let ecsAgentBase = "http://169.254.170.2"

    /// Hosts a plain-http `AWS_CONTAINER_CREDENTIALS_FULL_URI` may name, as in the AWS SDKs: loopback and the ECS and
    /// EKS link-local agents, which cannot be somewhere else on the network. Any other host needs https.
    static let plainHTTPHosts: Set<String> = ["localhost", "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "::1"]

    public var url: String
    public var authorization: Authorization

    public init(url: String, authorization: Authorization = .none) {
        self.url = url
        self.authorization = authorization
    }

    /// The endpoint the environment names, or nil when neither URI variable is set. The relative URI wins over the
    /// full one, and the token file over the token, as in the AWS SDKs.
    public static func fromEnvironment(_ environment: [String: String]) throws(AWSSettingsError) -> ContainerCredentialsEndpoint? {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        let url: String
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            guard relative.hasPrefix("/"), URLComponents(string: ecsAgentBase + relative) != nil else {
                throw .invalidContainerCredentialsURI(variable: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", value: relative,
                                                      reason: "expected a path such as /v2/credentials/<id>")
            }
            url = ecsAgentBase + relative
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            try validate(fullURI: full)
            url = full
        } else {
            return nil
        }
        var authorization = Authorization.none
        if let path = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            authorization = .tokenFile(path)
        } else if let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            guard isHeaderSafe(token) else { throw .invalidAuthorizationToken(source: "AWS_CONTAINER_AUTHORIZATION_TOKEN") }
            authorization = .token(token)
        }
        return ContainerCredentialsEndpoint(url: url, authorization: authorization)
    }

    /// An http(s) URL with a host; plain http only to a host in `plainHTTPHosts` or in 127.0.0.0/8.
    static func validate(fullURI text: String) throws(AWSSettingsError) {
        func invalid(_ reason: String) -> AWSSettingsError {
            .invalidContainerCredentialsURI(variable: "AWS_CONTAINER_CREDENTIALS_FULL_URI", value: redacted(text), reason: reason)
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = components.host?.lowercased(), !host.isEmpty
        else { throw invalid("expected an http or https URL") }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        guard scheme == "https" || plainHTTPHosts.contains(bare) || bare.hasPrefix("127.") else {
            throw invalid("plain http is only allowed to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23; use https")
        }
    }

    /// Whether `token` can go in a header as it is (no line breaks or other control characters).
    static func isHeaderSafe(_ token: String) -> Bool {
        !token.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// `url` without its query or user info, which could hold a secret.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "<unparsable URL>" }
        if components.query != nil { components.query = "…" }
        if components.user != nil || components.password != nil {
            components.user = nil
            components.password = nil
        }
        return components.string ?? "<unparsable URL>"
    }

    public var description: String {
        let shown = Self.redacted(url)
        switch authorization {
        case .none: return shown
        case .token: return "\(shown) with AWS_CONTAINER_AUTHORIZATION_TOKEN <redacted>"
        case .tokenFile(let path): return "\(shown) with the authorization token in \(path)"
        }
    }
}

import Foundation

/// Where an AWS service is reached: its regional endpoint, or one given with `--aws-endpoint` (a local emulator
/// such as moto or LocalStack, a VPC endpoint, a proxy).
public struct AWSEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?

    /// Parses an `http://` or `https://` URL with a host (any path is ignored: requests name their own).
    public init(parsing text: String) throws(AWSSettingsError) {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
              let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { throw .invalidEndpoint(text) }
        self.scheme = scheme
        self.host = host
        self.port = components.port
    }

    /// The public endpoint of `service` (e.g. `ecs`, `autoscaling`) in `region`.
    public init(service: String, region: String) {
        scheme = "https"
        host = "\(service).\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : "")
        port = nil
    }

    /// The URL of the service's root, where the JSON 1.1 and Query protocols post.
    public var url: String { url(path: "/") }

    /// The URL of `path`, given as sent (percent-encoded), starting with `/`.
    public func url(path: String) -> String { "\(scheme)://\(hostHeader)\(path)" }

    /// The `Host` header: the host, and the port unless it is the scheme's default.
    public var hostHeader: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return bracketed }
        return "\(bracketed):\(port)"
    }

    public var description: String { url }

    /// Checks that `region` looks like an AWS region name (`us-east-1`, `eu-central-2`, `us-gov-west-1`).
    public static func validate(region: String) throws(AWSSettingsError) {
        let allowed = region.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard !region.isEmpty, allowed, region.first?.isLetter == true, region.contains("-") else {
            throw .invalidRegion(region)
        }
    }
}

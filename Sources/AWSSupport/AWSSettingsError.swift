/// AWS settings that cannot work (the scaling actuators', the Bedrock embedder's); each message says what to set.
public enum AWSSettingsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The named environment variables are unset or empty.
    case missingCredentials([String])
    /// No region from the flag or the environment.
    case missingRegion
    /// A region that is not of the form `us-east-1`.
    case invalidRegion(String)
    /// An endpoint that is not an http(s) URL with a host.
    case invalidEndpoint(String)
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI` that cannot be used, and why.
    case invalidContainerCredentialsURI(variable: String, value: String, reason: String)
    /// An authorization token (from the named variable or file) that cannot go in a header.
    case invalidAuthorizationToken(source: String)

    public var description: String {
        switch self {
        case .missingCredentials(let names):
            return "no AWS credentials: \(names.joined(separator: " and ")) \(names.count == 1 ? "is" : "are") unset or empty; "
                + "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), "
                + "or run in an ECS task with a task role (ECS sets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; elsewhere set "
                + "AWS_CONTAINER_CREDENTIALS_FULL_URI)"
        case .missingRegion:
            return "no AWS region: pass --aws-region (e.g. us-east-1) or set AWS_REGION"
        case .invalidRegion(let region):
            return "\"\(region)\" is not an AWS region name: use lower-case letters, digits and dashes, e.g. us-east-1"
        case .invalidEndpoint(let endpoint):
            return "--aws-endpoint \(endpoint): expected an http or https URL such as http://127.0.0.1:5000"
        case .invalidContainerCredentialsURI(let variable, let value, let reason):
            return "\(variable) \(value): \(reason)"
        case .invalidAuthorizationToken(let source):
            return "the container authorization token in \(source) holds a line break or another control character: "
                + "it must be a single line"
        }
    }
}

import AWSSupport
import Logging

/// How a command reaches one AWS service, as every command calling AWS takes it: the region from its flag, else
/// AWS_REGION, else AWS_DEFAULT_REGION; the endpoint from its flag, else AWS_ENDPOINT_URL, else the region's; the
/// credentials from AWS_ACCESS_KEY_ID and its companions, else the ECS task role.
struct AWSClientSettings {
    /// `--aws-region`, if given.
    var region: String?
    /// `--aws-endpoint`, if given.
    var endpoint: String?
    /// Longest wait for one call, and for one fetch of task role credentials.
    var timeout: Duration

    /// The environment variables standing for `--aws-region` and `--aws-endpoint` (see `WorkerCommand`).
    static let environmentVariables: [String: [String]] = [
        "aws-region": ["AWS_REGION", "AWS_DEFAULT_REGION"], "aws-endpoint": ["AWS_ENDPOINT_URL"],
    ]

    /// A client of the service whose regional host starts with `endpointPrefix` (e.g. `bedrock-runtime`) and whose
    /// signing name is `signingName` (e.g. `bedrock`), and a printable summary of its settings (secrets redacted).
    func client(endpointPrefix: String, signingName: String, userAgent: String, environment: [String: String],
                logger: Logger) throws(AWSSettingsError) -> (AWSServiceClient, Logger.Metadata) {
        let (region, endpoint, credentials) = try resolved(environment: environment, logger: logger)
        let reached = endpoint ?? AWSEndpoint(service: endpointPrefix, region: region)
        let client = AWSServiceClient(endpoint: reached, region: region, service: signingName, credentials: credentials,
                                      timeout: timeout, userAgent: userAgent)
        return (client, [
            "aws-region": "\(region)", "aws-endpoint": "\(reached)", "aws-credentials": "\(credentials)",
        ])
    }

    /// An S3 client of `bucket` (path-style at an endpoint given, virtual-hosted at AWS's), and its settings' summary.
    func s3Client(bucket: String, userAgent: String, environment: [String: String], logger: Logger) throws(AWSSettingsError)
        -> (S3Client, Logger.Metadata) {
        let (region, endpoint, credentials) = try resolved(environment: environment, logger: logger)
        let client = try S3Client(bucket: bucket, region: region, endpoint: endpoint, credentials: credentials,
                                  timeout: timeout, userAgent: userAgent)
        return (client, ["aws-region": "\(region)", "aws-endpoint": "\(client.endpoint)", "aws-credentials": "\(credentials)"])
    }

    /// The region, the endpoint given (nil: the service's own) and the credentials chain.
    private func resolved(environment: [String: String], logger: Logger) throws(AWSSettingsError)
        -> (region: String, endpoint: AWSEndpoint?, credentials: AWSCredentialsProvider) {
        let region = (region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"])?
            .trimmingCharacters(in: .whitespaces)
        guard let region, !region.isEmpty else { throw .missingRegion }
        try AWSEndpoint.validate(region: region)
        let endpoint = try (endpoint ?? environment["AWS_ENDPOINT_URL"].flatMap { $0.isEmpty ? nil : $0 })
            .map { text throws(AWSSettingsError) in try AWSEndpoint(parsing: text) }
        let credentials = try AWSCredentialsProvider.fromEnvironment(environment, timeout: timeout, logger: logger)
        return (region, endpoint, credentials)
    }
}

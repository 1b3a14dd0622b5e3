import ArgumentParser
import AWSSupport
import Foundation
import Logging
import TopicArchive

/// Where the topic archive lives: a bucket and prefix on S3 (or an S3-compatible endpoint), reached with the
/// same AWS settings as the scaling worker's.
struct ArchiveBucketOptions: ParsableArguments {
    @Option(help: "The archive's S3 bucket (default: $ANNALS_ARCHIVE_BUCKET).")
    var bucket: String?

    @Option(help: "The key prefix the archive lives under (default: $ANNALS_ARCHIVE_PREFIX, else annals-archive).")
    var prefix: String?

    @Option(help: "AWS region of the bucket (default: $AWS_REGION, else $AWS_DEFAULT_REGION).")
    var awsRegion: String?

    @Option(name: [.customLong("endpoint"), .customLong("aws-endpoint")], help: ArgumentHelp(
        "An S3-compatible endpoint instead of AWS's, e.g. http://127.0.0.1:5000 for moto or MinIO; path-style "
            + "requests (default: $AWS_ENDPOINT_URL).", valueName: "url"))
    var endpoint: String?

    @Option(help: "Longest wait, in seconds, for one S3 call.")
    var s3TimeoutSeconds = 60

    /// The environment variables standing for these options (see `WorkerCommand`).
    static let environmentVariables: [String: [String]] = AWSClientSettings.environmentVariables.merging([
        "bucket": ["ANNALS_ARCHIVE_BUCKET"], "prefix": ["ANNALS_ARCHIVE_PREFIX"], "endpoint": ["AWS_ENDPOINT_URL"],
    ]) { first, _ in first }

    /// The archive's layout and store, and a summary of the settings for the log.
    func store(attempts: Int, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (ArchiveLayout, ArchiveStore, Logger.Metadata)
    {
        guard let bucket = (bucket ?? environment["ANNALS_ARCHIVE_BUCKET"]).flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw CLIError("no archive bucket: pass --bucket or set ANNALS_ARCHIVE_BUCKET")
        }
        let layout = ArchiveLayout(prefix: prefix ?? environment["ANNALS_ARCHIVE_PREFIX"] ?? "annals-archive")
        let settings = AWSClientSettings(region: awsRegion, endpoint: endpoint, timeout: .seconds(max(1, s3TimeoutSeconds)))
        do {
            let (s3, metadata) = try settings.s3Client(bucket: bucket, userAgent: "annals-archive", environment: environment,
                                                       logger: logger)
            return (layout, ArchiveStore(s3: s3, attempts: attempts, logger: logger),
                    metadata.merging(["bucket": "\(bucket)", "prefix": "\(layout.prefix)"]) { first, _ in first })
        } catch {
            throw CLIError("\(error)")
        }
    }
}

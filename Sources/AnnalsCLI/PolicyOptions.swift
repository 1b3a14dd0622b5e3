import AnnalsMetrics
import ArgumentParser
import Foundation
import Logging

/// Where the scale policy's settings come from: --policy, else ANNALS_POLICY_FILE, else the defaults.
struct PolicyOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Scale policy settings, YAML or JSON; keys left out keep their defaults (default: $ANNALS_POLICY_FILE, else the defaults).",
        valueName: "file"))
    var policy: String?

    /// The environment variable standing for `--policy` (see `WorkerCommand`).
    static let environmentVariables: [String: [String]] = ["policy": ["ANNALS_POLICY_FILE"]]

    /// The settings and where they came from; throws naming every problem in the file.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (settings: ScalePolicySettings, source: String) {
        guard let path = policy ?? environment["ANNALS_POLICY_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            return (ScalePolicySettings(), "defaults")
        }
        return (try PolicyFile.load(path: path), path)
    }

    /// Loads the settings and logs them in full with their policy version.
    func loadLogging(to logger: Logger) throws -> ScalePolicySettings {
        let (settings, source) = try settings()
        logger.info("scale policy", metadata: [
            "version": "\(ScalePolicy.version(settings: settings))", "file": "\(source)",
            "settings": "\(settings.canonicalDescription.split(separator: "\n").joined(separator: " "))",
        ])
        return settings
    }
}

import ArgumentParser
import Foundation
import Logging

/// A worker executable's command (`annals-story-worker`…): its options can also come from the environment and from a
/// settings file (`--config`, ANNALS_CONFIG), and it logs JSON lines unless told otherwise.
public protocol WorkerCommand: AsyncParsableCommand {
    /// The environment variables that stand for options, by option name; when one is set, the settings file's entry
    /// for that option is ignored (the command reads the variable when the flag is absent).
    static var environmentVariables: [String: [String]] { get }
    /// The label of the worker's own logger.
    static var loggerLabel: String { get }
}

extension WorkerCommand {
    /// The worker's `main`: reads the settings file into the arguments, sets up logging in the chosen format before
    /// anything is logged, parses, and runs. Usage errors and problems with the settings file are printed as text,
    /// as the argument parser does; errors while running are logged in the chosen format, and the exit status is 1.
    public static func launch(arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                              environment: [String: String] = ProcessInfo.processInfo.environment) async -> Never {
        let startup: WorkerStartup
        do {
            startup = try WorkerStartup(arguments: arguments, environment: environment,
                                        options: CommandOptions(of: Self.self), environmentVariables: environmentVariables)
        } catch {
            exit(withError: error)
        }
        startup.logging.bootstrap()

        let command: any ParsableCommand
        do {
            command = try parseAsRoot(startup.resolution.arguments)
        } catch {
            if let path = startup.report.configPath, exitCode(for: error) != .success {
                StandardError.write("(the settings in \(path) are read as arguments placed before the command line's)\n")
            }
            exit(withError: error)
        }

        do {
            try await SettingsReport.$current.withValue(startup.report) {
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    var command = command
                    try command.run()
                }
            }
        } catch {
            // The parser's own errors (help, usage, ExitCode) keep its rendering; a failure of the run is a log line.
            let fromParser = String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
            let error = RenderedError.rendering(error)
            guard startup.logging.format == .json, !fromParser else { exit(withError: error) }
            Logger(label: loggerLabel).critical("\(error)", metadata: ["exit-status": "1"])
            exit(withError: ExitCode.failure)
        }
        exit()
    }
}

/// What a worker knows before its arguments are parsed: the merged arguments, the logging to set up, and the report
/// for its settings line.
struct WorkerStartup: Sendable {
    var resolution: SettingsResolution
    var logging: LoggingSettings
    var report: SettingsReport

    /// Reads the settings file named by `--config` (else ANNALS_CONFIG) with `readFile`, merges it into `arguments`
    /// and picks the log format and level; throws a `CLIError` naming the file, flag or variable at fault.
    init(arguments: [String], environment: [String: String], options: CommandOptions,
         environmentVariables: [String: [String]],
         readFile: (String, CommandOptions) throws -> SettingsFile = SettingsFile.load) throws {
        let configPath = SettingsResolution.values(of: "config", in: arguments, options: options).last
            ?? environment["ANNALS_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let file = try configPath.map { try readFile($0, options) }
        resolution = SettingsResolution(commandLine: arguments, file: file, options: options,
                                        environmentVariables: environmentVariables, environment: environment)
        logging = try LoggingSettings.resolve(
            format: resolution.lastValue(of: "log-format", options: options),
            level: resolution.lastValue(of: "log-level", options: options),
            environment: environment, defaultFormat: .json)
        report = SettingsReport(configPath: configPath, sources: resolution.sourcesDescription, logging: logging)
    }
}

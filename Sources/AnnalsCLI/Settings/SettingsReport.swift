/// How the running worker was configured, beyond its option values: for the settings line it logs at start.
struct SettingsReport: Equatable, Sendable {
    /// Set by `WorkerCommand.launch()` around the command's run.
    @TaskLocal static var current = SettingsReport()

    /// The settings file, if one was read.
    var configPath: String?
    /// `name=source` for every setting given by flag, environment or file (`SettingsResolution.sourcesDescription`).
    var sources = ""
    /// The logging the process was started with.
    var logging: LoggingSettings?
}

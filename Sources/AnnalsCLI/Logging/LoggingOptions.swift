import ArgumentParser

/// A worker's logging flags. They are applied before the command is parsed (see `WorkerCommand.launch()`), so that
/// every line, the first included, is written in the chosen format; here they are declared for help (`LoggingSettings.resolve` checks them).
struct LoggingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Log lines as json (one object per line) or text (default: $ANNALS_LOG_FORMAT, else json).",
                               valueName: "json|text"))
    var logFormat: String?

    @Option(help: ArgumentHelp(
        "Least level logged: trace, debug, info, notice, warning, error or critical (default: $ANNALS_LOG_LEVEL, else info).",
        valueName: "level"))
    var logLevel: String?

    /// The environment variables standing for these options.
    static let environmentVariables: [String: [String]] = [
        "log-format": ["ANNALS_LOG_FORMAT"], "log-level": ["ANNALS_LOG_LEVEL"],
    ]
}

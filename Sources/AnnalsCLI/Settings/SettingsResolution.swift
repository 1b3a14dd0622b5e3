/// Where one setting came from.
enum SettingSource: Equatable, Sendable, CustomStringConvertible {
    /// The command line.
    case commandLine
    /// An environment variable.
    case environment(String)
    /// The settings file.
    case file
    /// A repeatable option given in the settings file and on the command line (the values add up).
    case fileAndCommandLine

    var description: String {
        switch self {
        case .commandLine: "flag"
        case .environment(let name): "env:\(name)"
        case .file: "file"
        case .fileAndCommandLine: "file+flag"
        }
    }
}

/// Merges a worker's settings file into its command line, so that a flag wins over the environment, which wins over
/// the file, which wins over the default (the code reads the environment only when a flag is absent):
///
/// - each file entry becomes arguments placed before the command line's; a single-valued option given on both is
///   parsed twice and the last (the command line's) wins; a repeatable one gets the file's values then the command
///   line's (for `-X`, a later key wins);
/// - a file entry is dropped when an environment variable that stands for its option is set.
///
/// Pure: the caller reads the file, the arguments and the environment.
struct SettingsResolution: Equatable, Sendable {
    /// The arguments to parse: the file's, then the command line's.
    var arguments: [String]
    /// Where each setting that was given came from, by option name; settings left out take their defaults.
    var sources: [String: SettingSource]

    /// `environmentVariables` maps option names to the variables that stand for them.
    init(commandLine: [String], file: SettingsFile?, options: CommandOptions,
         environmentVariables: [String: [String]], environment: [String: String]) {
        func setVariable(for name: String) -> String? {
            environmentVariables[name]?.first { !(environment[$0] ?? "").isEmpty }
        }
        let given = Self.givenOptions(in: commandLine, options: options)
        var sources: [String: SettingSource] = [:]
        for name in given { sources[name] = .commandLine }
        for (name, _) in environmentVariables where !given.contains(name) {
            if let variable = setVariable(for: name) { sources[name] = .environment(variable) }
        }
        var fileArguments: [String] = []
        for entry in file?.entries ?? [] {
            guard let option = options.byName[entry.key], entry.isOn else { continue }
            if given.contains(entry.key) {
                guard option.isRepeating else { continue }
                sources[entry.key] = .fileAndCommandLine
            } else if setVariable(for: entry.key) != nil {
                continue
            } else {
                sources[entry.key] = .file
            }
            if option.takesValue {
                // `--name=value` keeps a value starting with a dash from being read as an option.
                fileArguments += entry.values.map { "--\(entry.key)=\($0)" }
            } else {
                fileArguments.append("--\(entry.key)")
            }
        }
        arguments = fileArguments + commandLine
        self.sources = sources
    }

    /// The last value `arguments` give the option `name` (so the command line's over the file's), else nil.
    func lastValue(of name: String, options: CommandOptions) -> String? {
        Self.values(of: name, in: arguments, options: options).last
    }

    /// `name=source` for every setting that was given, sorted: `batch-size=file brokers=env:KAFKA_BROKERS`.
    var sourcesDescription: String {
        sources.keys.sorted().map { "\($0)=\(sources[$0]!)" }.joined(separator: " ")
    }

    /// The long names of the options `arguments` give (up to `--`); unknown arguments are left to the parser.
    static func givenOptions(in arguments: [String], options: CommandOptions) -> Set<String> {
        var names: Set<String> = []
        walk(arguments, options: options) { option, _ in names.insert(option.name) }
        return names
    }

    /// Every value `arguments` give the option `name`, in order.
    static func values(of name: String, in arguments: [String], options: CommandOptions) -> [String] {
        var values: [String] = []
        walk(arguments, options: options) { option, value in
            if option.name == name, let value { values.append(value) }
        }
        return values
    }

    private static func walk(_ arguments: [String], options: CommandOptions,
                             _ visit: (CommandOptions.Option, String?) -> Void) {
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" { return }
            guard let (option, attached) = options.option(named: argument) else { continue }
            if option.takesValue, attached == nil, index < arguments.endIndex {
                visit(option, arguments[index])
                index += 1
            } else {
                visit(option, attached)
            }
        }
    }
}

import ArgumentParser
import Foundation

/// The named options a command takes, read from its own ArgumentParser definition (the JSON that
/// `--experimental-dump-help` prints), so settings files and the environment check against what the command really
/// accepts and no list of option names can fall out of date.
struct CommandOptions: Sendable {
    /// One named option or flag.
    struct Option: Sendable, Equatable {
        /// The long name, without dashes: `batch-size`.
        var name: String
        /// Single-character names, e.g. `X` for `-X`.
        var shortNames: [String]
        /// False for a flag (`--embedding-no-key`).
        var takesValue: Bool
        /// Whether it may be given more than once (`-X`, `--ecs-service`).
        var isRepeating: Bool
    }

    /// Every option with a long name, by that name.
    let byName: [String: Option]

    init(_ options: [Option]) {
        byName = Dictionary(options.map { ($0.name, $0) }) { first, _ in first }
    }

    /// The options of `command`, help excluded.
    init<Command: ParsableArguments>(of command: Command.Type) {
        self.init(Self.parse(dump: command._dumpHelp()))
    }

    /// The long names, sorted.
    var names: [String] { byName.keys.sorted() }

    /// The option `argument` names, if it is one: `--batch-size`, `--batch-size=5`, `-X`, `-Xkey=value`.
    /// The second value is the text after `=` (or after a short name), when the value is attached.
    func option(named argument: String) -> (option: Option, attachedValue: String?)? {
        if argument.hasPrefix("--") {
            let body = argument.dropFirst(2)
            let name = body.firstIndex(of: "=").map { String(body[..<$0]) } ?? String(body)
            guard let option = byName[name] else { return nil }
            let attached = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            return (option, attached)
        }
        guard argument.hasPrefix("-"), argument.count >= 2 else { return nil }
        let short = String(argument.dropFirst().prefix(1))
        guard let option = byName.values.first(where: { $0.shortNames.contains(short) }) else { return nil }
        let rest = argument.dropFirst(2)
        return (option, rest.isEmpty ? nil : String(rest.hasPrefix("=") ? rest.dropFirst() : rest))
    }

    private struct Dump: Decodable {
        struct Command: Decodable {
            var arguments: [Argument]?
        }
        struct Argument: Decodable {
            struct Name: Decodable {
                var kind: String
                var name: String
            }
            var kind: String
            var isRepeating: Bool
            var names: [Name]?
        }
        var command: Command
    }

    private static func parse(dump: String) -> [Option] {
        // The dump is produced by the argument parser itself from the command's declarations; if its shape ever
        // changed, the tests of every worker's option names would fail.
        guard let decoded = try? JSONDecoder().decode(Dump.self, from: Data(dump.utf8)) else { return [] }
        return (decoded.command.arguments ?? []).compactMap { argument in
            guard argument.kind != "positional",
                  let long = argument.names?.first(where: { $0.kind == "long" })?.name,
                  long != "help" else { return nil }
            return Option(name: long, shortNames: argument.names?.filter { $0.kind == "short" }.map(\.name) ?? [],
                          takesValue: argument.kind == "option", isRepeating: argument.isRepeating)
        }
    }
}

import Foundation
import Yams

/// A worker's settings file (`--config`, ANNALS_CONFIG): a YAML mapping of option long names to values, e.g.
///
/// ```yaml
/// brokers: kafka-1:9092,kafka-2:9092
/// batch-size: 500
/// database-url-file: /run/secrets/database-url
/// kafka-property: [security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512]
/// embedding-no-key: true
/// ```
///
/// A repeatable option takes a list, or a mapping (`kafka-property: {session.timeout.ms: 6000}` means
/// `-X session.timeout.ms=6000`); a flag takes true or false. Every entry becomes command-line arguments placed before
/// the real ones, so the command line wins.
struct SettingsFile: Equatable, Sendable {
    /// One key of the file and its values, as arguments would carry them.
    struct Entry: Equatable, Sendable {
        /// The option's long name.
        var key: String
        /// The values: one for an option, any number for a repeatable one, none for a flag that is on.
        var values: [String]
        /// False for a flag set to false (nothing to pass).
        var isOn: Bool = true
    }

    /// Where the file is, for messages.
    var path: String
    /// The entries in the file's order.
    var entries: [Entry]

    /// Keys a file may not set: the file itself, and help.
    static let reservedKeys: Set<String> = ["config", "help"]

    /// Reads and checks the file at `path` against `options`.
    static func load(path: String, options: CommandOptions) throws -> SettingsFile {
        let text: String
        do {
            text = String(decoding: try SecretFile.contents(of: path), as: UTF8.self)
        } catch {
            throw CLIError("cannot read the settings file \(path): \(error.reason) (it was named by --config or ANNALS_CONFIG)")
        }
        return try parse(text, path: path, options: options)
    }

    /// The entries of `text`; throws one error naming every problem, each with its line.
    static func parse(_ text: String, path: String, options: CommandOptions) throws -> SettingsFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw CLIError("settings file \(path) is not YAML: \(error)")
        }
        guard let root else { return SettingsFile(path: path, entries: []) }
        guard let mapping = root.mapping else {
            throw CLIError("settings file \(path) must be a mapping of option names to values, e.g. `batch-size: 500`")
        }
        var entries: [Entry] = []
        var problems: [String] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            let line = "line \((keyNode.mark?.line).map(String.init) ?? "?")"
            guard let key = keyNode.scalar?.string else {
                problems.append("\(line): a key must be an option name")
                continue
            }
            let name = key.hasPrefix("--") ? String(key.dropFirst(2)) : key
            guard !reservedKeys.contains(name), let option = options.byName[name] else {
                let why = reservedKeys.contains(name) ? "cannot be set in a settings file" : "is not an option of this worker"
                problems.append("\(line): \(key) \(why); valid keys: \(options.names.filter { !reservedKeys.contains($0) }.joined(separator: ", "))")
                continue
            }
            guard seen.insert(name).inserted else {
                problems.append("\(line): \(name) is given twice")
                continue
            }
            do {
                entries.append(try entry(option, valueNode))
            } catch let problem as Problem {
                problems.append("\(line): \(name) \(problem.text)")
            }
        }
        guard problems.isEmpty else {
            throw CLIError("settings file \(path):\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
        }
        return SettingsFile(path: path, entries: entries)
    }

    private struct Problem: Error {
        var text: String
    }

    private static func entry(_ option: CommandOptions.Option, _ node: Node) throws -> Entry {
        if !option.takesValue {
            guard let scalar = node.scalar, let on = Bool.construct(from: scalar) else {
                throw Problem(text: "is a flag: give true or false")
            }
            return Entry(key: option.name, values: [], isOn: on)
        }
        switch node {
        case .scalar(let scalar):
            guard !isNull(scalar) else { throw Problem(text: "has no value") }
            return Entry(key: option.name, values: [scalar.string])
        case .sequence(let sequence) where option.isRepeating:
            let values = try sequence.map { item -> String in
                guard let scalar = item.scalar, !isNull(scalar) else {
                    throw Problem(text: "must be a list of plain values, e.g. [\"a=1\", \"b=2\"]")
                }
                return scalar.string
            }
            return Entry(key: option.name, values: values)
        case .mapping(let pairs) where option.isRepeating:
            let values = try pairs.map { pair -> String in
                guard let key = pair.key.scalar?.string, let value = pair.value.scalar, !isNull(value) else {
                    throw Problem(text: "must map names to plain values, e.g. {session.timeout.ms: 6000}")
                }
                return "\(key)=\(value.string)"
            }
            return Entry(key: option.name, values: values)
        default:
            throw Problem(text: option.isRepeating ? "must be a value, a list or a mapping" : "takes one value, not a list or a mapping")
        }
    }

    private static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}

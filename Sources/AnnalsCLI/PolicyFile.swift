import AnnalsMetrics
import Foundation
import Yams

/// Scale policy settings from a YAML or JSON file: any subset of `ScalePolicySettings`' keys, the missing ones
/// keeping their defaults. Unknown keys and values the policy cannot honour are problems, each named.
enum PolicyFile {
    /// The settings in the file at `path`.
    static func load(path: String) throws -> ScalePolicySettings {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError("cannot read the policy file \(path): \(error.localizedDescription)")
        }
        return try parse(text, name: path)
    }

    /// The settings in `text` (YAML, of which JSON is a subset); `name` says where it came from in errors.
    static func parse(_ text: String, name: String) throws -> ScalePolicySettings {
        let tree: Any?
        do {
            tree = try Yams.load(yaml: text)
        } catch {
            throw CLIError("policy file \(name) is neither YAML nor JSON: \(error)")
        }
        guard tree == nil || tree is [String: Any] else {
            throw CLIError("policy file \(name) must hold a mapping of settings, e.g. `tolerance: 0.1`")
        }
        var problems = unknownKeys(in: tree as? [String: Any] ?? [:], known: knownKeys)
        var settings = ScalePolicySettings()
        if tree != nil {
            do {
                settings = try YAMLDecoder().decode(ScalePolicySettings.self, from: text)
                problems += settings.problems
            } catch let error as DecodingError {
                problems.append(describe(error))
            }
        }
        guard problems.isEmpty else {
            throw CLIError("policy file \(name):\n" + problems.map { "  " + $0 }.joined(separator: "\n"))
        }
        return settings
    }

    /// Every key the settings have, nested as they are: the default settings encoded.
    private static var knownKeys: [String: Any] {
        guard let data = try? JSONEncoder().encode(ScalePolicySettings()),
              let tree = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return tree
    }

    private static func unknownKeys(in tree: [String: Any], known: [String: Any], path: String = "") -> [String] {
        tree.keys.sorted().flatMap { key -> [String] in
            let name = path.isEmpty ? key : "\(path).\(key)"
            guard let expected = known[key] else {
                return ["\(name) is not a setting; known here: \(known.keys.sorted().joined(separator: ", "))"]
            }
            if let nested = expected as? [String: Any] {
                guard let given = tree[key] as? [String: Any] else {
                    return ["\(name) must be a mapping of \(nested.keys.sorted().joined(separator: ", "))"]
                }
                return unknownKeys(in: given, known: nested, path: name)
            }
            return []
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(type == Double.self ? "a number" : type == Int.self ? "a whole number" : "\(type)")"
        case .valueNotFound(_, let context), .dataCorrupted(let context), .keyNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

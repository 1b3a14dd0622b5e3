import AnnalsEvents
import Foundation
import SwiftProtobuf
import Yams

/// Reads front matter YAML into the fields of a `DocumentIngested`, collecting every problem with its file line
/// rather than stopping at the first.
struct FrontMatterReader {
    static let documentKeys = ["id", "version", "world", "title", "source", "occurred_at", "tags", "concepts", "relationships"]
    static let conceptKeys = ["id", "name", "kind", "description", "attributes"]
    static let relationshipKeys = ["from", "to", "kind", "weight"]

    /// YAML line 1 is this file line minus one.
    let lineOffset: Int
    private(set) var problems: [DocumentFileError.Problem] = []
    private(set) var event = DocumentIngested()
    private(set) var occurredAt: EventTimestamp?
    /// Proto field path (`document_id`, `concepts[0].concept_id`…) → front matter key and line, to report the
    /// contract's problems in the file's own terms.
    private(set) var fieldPlaces: [String: (key: String, line: Int?)] = [:]

    init(lineOffset: Int) {
        self.lineOffset = lineOffset
    }

    mutating func read(_ yaml: String) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            problems.append(yamlProblem(error))
            return
        } catch {
            problems.append(.init(line: nil, "invalid YAML in the front matter: \(error)"))
            return
        }
        guard let root else {
            problems.append(.init(line: lineOffset, "the front matter is empty: give at least id, version and title"))
            return
        }
        guard let fields = fields(of: root, "", "the front matter", known: Self.documentKeys) else { return }

        if let id = text(fields, "id", required: true, hint: " (the document id, e.g. `id: lore-the-stillwinding`)") {
            event.documentID = identifier(id, "id", field: "document_id", line: line(fields["id"]))
        }
        if let version = text(fields, "version", required: true, hint: " (1 for a new document)") {
            if let number = UInt64(version), number > 0 {
                event.version = number
            } else {
                problem(fields["version"], "`version` must be a whole number from 1 up, got `\(version)`")
            }
        }
        if let world = text(fields, "world", required: false) {
            if world.isEmpty {
                problem(fields["world"], "`world` is empty: omit it for a global document")
            } else {
                event.worldID = identifier(world, "world", field: "world_id", line: line(fields["world"]))
            }
        }
        if let title = text(fields, "title", required: true, hint: " (the document's title)") {
            if title.trimmingCharacters(in: .whitespaces).isEmpty { problem(fields["title"], "`title` is empty") }
            event.title = title
        }
        event.source = text(fields, "source", required: false) ?? ""
        if let occurred = text(fields, "occurred_at", required: false) { occurredAt = timestamp(occurred, fields["occurred_at"]) }
        if let tags = fields["tags"] { event.tags = strings(tags, "tags", example: "`tags: [lore, history]`") }
        if let concepts = fields["concepts"] { event.concepts = self.concepts(concepts) }
        if let relationships = fields["relationships"] { event.relationships = self.relationships(relationships) }
    }

    // MARK: - Sections

    private mutating func concepts(_ node: Node) -> [Annals_V1_DeclaredConcept] {
        guard let items = list(node, "concepts", example: "`- {id: tamsin-ashe, name: Tamsin Ashe, kind: character}`") else {
            return []
        }
        var firstLine: [String: Int] = [:]
        return items.enumerated().compactMap { index, item in
            let path = "concepts[\(index)]"
            guard let fields = fields(of: item, "\(path).", path, known: Self.conceptKeys) else { return nil }
            var concept = Annals_V1_DeclaredConcept()
            if let id = text(fields, "id", in: path, parent: item, required: true) {
                concept.conceptID = identifier(id, "\(path).id", field: "\(path).concept_id", line: line(fields["id"]))
                if let first = firstLine[id] {
                    problem(fields["id"], "`\(path).id` repeats concept `\(id)` declared on line \(first)")
                } else if let idLine = line(fields["id"]) {
                    firstLine[id] = idLine
                }
            }
            concept.name = text(fields, "name", in: path, parent: item, required: true) ?? ""
            concept.kind = text(fields, "kind", in: path, parent: item, required: true, hint: " (character, place, faction, item…)") ?? ""
            concept.description_p = text(fields, "description", in: path, parent: item, required: false) ?? ""
            if let attributes = fields["attributes"] { concept.attributes = self.attributes(attributes, "\(path).attributes") }
            return concept
        }
    }

    private mutating func relationships(_ node: Node) -> [Annals_V1_DeclaredRelationship] {
        guard let items = list(node, "relationships", example: "`- {from: tamsin-ashe, to: the-ember-wardens, kind: leads}`") else {
            return []
        }
        return items.enumerated().compactMap { index, item in
            let path = "relationships[\(index)]"
            guard let fields = fields(of: item, "\(path).", path, known: Self.relationshipKeys) else { return nil }
            var relationship = Annals_V1_DeclaredRelationship()
            relationship.fromConceptID = endpoint(fields, "from", in: path, parent: item)
            relationship.toConceptID = endpoint(fields, "to", in: path, parent: item)
            relationship.kind = text(fields, "kind", in: path, parent: item, required: true, hint: " (member-of, leads, allied-with…)") ?? ""
            relationship.weight = 1.0
            if let weight = text(fields, "weight", in: path, parent: item, required: false, expected: "a number") {
                if let number = Double(weight), number.isFinite {
                    relationship.weight = number
                } else {
                    problem(fields["weight"], "`\(path).weight` must be a finite number such as 0.8, got `\(weight)`")
                }
            }
            return relationship
        }
    }

    private mutating func endpoint(_ fields: [String: Node], _ key: String, in path: String, parent: Node) -> String {
        guard let id = text(fields, key, in: path, parent: parent, required: true, expected: "a concept id (a string)") else { return "" }
        return identifier(id, "\(path).\(key)", field: nil, line: line(fields[key]))
    }

    private mutating func attributes(_ node: Node, _ path: String) -> [String: String] {
        guard case .mapping(let mapping) = node else {
            problem(node, "`\(path)` must be a mapping of names to values, e.g. `{status: alive}`, got \(describe(node))")
            return [:]
        }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard case .scalar(let name) = key else {
                problem(key, "`\(path)` has a key that is not a plain name")
                continue
            }
            if let text = scalarText(value, "\(path).\(name.string)", expected: "a string") { result[name.string] = text }
        }
        return result
    }

    // MARK: - Values

    /// The mapping's values by key, reporting keys that are not in `known`.
    private mutating func fields(of node: Node, _ prefix: String, _ what: String, known: [String]) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            problem(node, "\(what) must be a mapping of keys (\(known.joined(separator: ", "))), got \(describe(node))")
            return nil
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard case .scalar(let name) = key else {
                problem(key, "\(what) has a key that is not a plain name")
                continue
            }
            guard known.contains(name.string) else {
                problem(key, "unknown key `\(prefix)\(name.string)`; known keys: \(known.joined(separator: ", "))")
                continue
            }
            result[name.string] = value
        }
        return result
    }

    /// The text of `key`, nil (with a problem when `required`) when it is absent or empty-valued.
    private mutating func text(_ fields: [String: Node], _ key: String, in parentPath: String? = nil, parent: Node? = nil,
                               required: Bool, hint: String = "", expected: String = "a string") -> String? {
        let path = parentPath.map { "\($0).\(key)" } ?? key
        guard let node = fields[key] else {
            if required {
                problems.append(.init(line: parent.flatMap(line), "missing `\(path)`\(hint)"))
            }
            return nil
        }
        return scalarText(node, path, expected: expected, hint: hint)
    }

    private mutating func scalarText(_ node: Node, _ path: String, expected: String, hint: String = "") -> String? {
        guard case .scalar(let scalar) = node else {
            problem(node, "`\(path)` must be \(expected), got \(describe(node))")
            return nil
        }
        guard NSNull.construct(from: scalar) == nil else {
            problem(node, "`\(path)` has no value\(hint)")
            return nil
        }
        return scalar.string
    }

    private mutating func list(_ node: Node, _ path: String, example: String) -> [Node]? {
        if case .scalar(let scalar) = node, NSNull.construct(from: scalar) != nil { return [] }
        guard case .sequence(let sequence) = node else {
            problem(node, "`\(path)` must be a list, e.g. \(example), got \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    private mutating func strings(_ node: Node, _ path: String, example: String) -> [String] {
        guard let items = list(node, path, example: example) else { return [] }
        return items.enumerated().compactMap { index, item in scalarText(item, "\(path)[\(index)]", expected: "a string") }
    }

    /// `value` when it satisfies the event contract's identifier rules, reported against the front matter key.
    private mutating func identifier(_ value: String, _ key: String, field: String?, line: Int?) -> String {
        if let field { fieldPlaces[field] = (key, line) }
        if value.isEmpty {
            problems.append(.init(line: line, "`\(key)` is empty"))
        } else if value.utf8.count > EventValidator.maxIdentifierLength {
            problems.append(.init(line: line, "`\(key)` is longer than \(EventValidator.maxIdentifierLength) bytes"))
        } else if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append(.init(line: line, "`\(key)` contains control characters"))
        }
        return value
    }

    private mutating func timestamp(_ text: String, _ node: Node?) -> EventTimestamp? {
        // Parsed as proto3 JSON so the accepted forms are exactly RFC 3339, as in every other Annals event.
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ":.+-".unicodeScalars.contains($0)) }
        if plain, let timestamp = try? EventTimestamp(jsonString: "\"\(text)\"") { return timestamp }
        problem(node, "`occurred_at` must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got `\(text)`")
        return nil
    }

    // MARK: - Reporting

    private func line(_ node: Node?) -> Int? {
        node?.mark.map { $0.line + lineOffset }
    }

    private mutating func problem(_ node: Node?, _ message: String) {
        problems.append(.init(line: line(node), message))
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let scalar): "`\(scalar.string)`"
        case .alias: "an alias"
        }
    }

    private func yamlProblem(_ error: YamlError) -> DocumentFileError.Problem {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) on line \($0.mark.line + lineOffset))" } ?? ""
            return .init(line: mark.line + lineOffset, "invalid YAML in the front matter: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "`\($0)`" }.joined(separator: ", ")
            return .init(line: context.mark.line + lineOffset, "duplicate key \(keys) in the front matter: give each key once")
        default:
            return .init(line: nil, "invalid YAML in the front matter: \(error)")
        }
    }
}

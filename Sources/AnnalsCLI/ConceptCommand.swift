import ArgumentParser
import Foundation
import KnowledgeBase
import Postgres

/// `annals concept history|related`: how a concept changed in a world, and what it is connected to.
struct ConceptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concept",
        abstract: "Show a concept's history or its relationships, as one world sees them.",
        discussion: """
        A world sees the global declarations (from documents without a world) with its own changes \
        (from its documents and story events) over them. Examples:
          annals concept history --world ashfall vell-the-lamplighter
          annals concept related --world ashfall vell-the-lamplighter --depth 2
        """,
        subcommands: [ConceptHistoryCommand.self, ConceptRelatedCommand.self])
}

/// Which world's view, and where the tables are.
struct ConceptScopeOptions: ParsableArguments {
    @Option(help: "The world whose view to show.") var world: String?
    @Flag(help: "Show the global view only (declarations of documents without a world).") var global = false
    @Option(help: "The knowledge-base schema.") var schema = "kb"
    @Flag(help: "Print JSON instead of text.") var json = false

    /// The world id, "" for the global view.
    func worldID() throws -> String {
        switch (world, global) {
        case (let world?, false) where !world.isEmpty: return world
        case (nil, true): return ""
        case (_?, true): throw ValidationError("pass either --world or --global, not both")
        default: throw ValidationError("pass --world <id> (or --global for the global view)")
        }
    }
}

struct ConceptHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every change to a concept, oldest first, and what it is now.")

    @Argument(help: "The concept id.") var concept: String
    @OptionGroup var scope: ConceptScopeOptions
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let world = try scope.worldID()
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        guard let history = try ConceptQueries(schema: scope.schema).history(of: concept, world: world, connection: db) else {
            throw CLIError("no concept \(concept) in \(world.isEmpty ? "the global view" : "world \(world)")")
        }
        if scope.json {
            print(try ConceptJSON.encode(ConceptHistoryReport(history)))
            return
        }
        let state = history.current
        print("\(concept) as \(world.isEmpty ? "the global view" : "world \(world)") sees it:")
        print("  \(state.name.isEmpty ? concept : state.name)\(state.kind.isEmpty ? "" : " (\(state.kind))")")
        if !state.description.isEmpty { print("  \(state.description)") }
        for (key, value) in state.attributes.sorted(by: { $0.key < $1.key }) { print("  \(key): \(value)") }
        print("\n\(history.changes.count) change\(history.changes.count == 1 ? "" : "s"), oldest first:")
        var before = ConceptState()
        for (number, change) in history.changes.enumerated() {
            let scopeName = change.worldID.isEmpty ? "global" : change.worldID
            print("  \(number + 1). \(ConceptHistoryReport.timestamp(change.cause.occurredAtMicroseconds))  \(scopeName)  "
                  + ConceptHistoryReport.sourceDescription(change.cause.source))
            var after = before
            after.apply(change)
            for line in Self.differences(from: before, to: after) { print("       \(line)") }
            before = after
        }
    }

    /// What a change changed, one line per field: `status: alive → dead`.
    static func differences(from before: ConceptState, to after: ConceptState) -> [String] {
        func line(_ field: String, _ old: String?, _ new: String?) -> String? {
            switch (old, new) {
            case let (old?, new?) where old == new: nil
            case let (old?, new?) where !old.isEmpty: "\(field): \(old) → \(new)"
            case let (old?, nil): "\(field): \(old) → (removed)"
            case let (_, new?) where !new.isEmpty: "\(field): \(new)"
            default: nil
            }
        }
        var lines = [
            line("name", before.name, after.name), line("kind", before.kind, after.kind),
            // Descriptions are long: the new one alone reads better than old → new.
            line("description", before.description.isEmpty ? before.description : "", after.description == before.description ? "" : after.description),
        ].compactMap { $0 }
        for key in Set(before.attributes.keys).union(after.attributes.keys).sorted() {
            if let text = line(key, before.attributes[key], after.attributes[key]) { lines.append(text) }
        }
        return lines.isEmpty ? ["(restated, nothing changed)"] : lines
    }
}

struct ConceptRelatedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "related", abstract: "Concepts within a number of hops of a concept, nearest first.")

    @Argument(help: "The concept id.") var concept: String
    @Option(help: "How many hops to follow (\(ConceptGraph.depthRange.lowerBound)-\(ConceptGraph.depthRange.upperBound)).")
    var depth = 1
    @OptionGroup var scope: ConceptScopeOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard ConceptGraph.depthRange.contains(depth) else {
            throw ValidationError("--depth must be from \(ConceptGraph.depthRange.lowerBound) to \(ConceptGraph.depthRange.upperBound), got \(depth)")
        }
    }

    func run() throws {
        let world = try scope.worldID()
        let db = try PostgresConnection(conninfo: connection.databaseConninfo)
        let queries = ConceptQueries(schema: scope.schema)
        let related = try queries.related(to: concept, world: world, depth: depth, connection: db)
        let names = try queries.summaries(of: [concept] + related.map(\.conceptID), world: world, connection: db)
        if related.isEmpty, names[concept] == nil {  // as annals-api's 404
            throw CLIError("no concept \(concept) in \(world.isEmpty ? "the global view" : "world \(world)")")
        }
        if scope.json {
            print(try ConceptJSON.encode(related.map { RelatedConceptReport($0, summary: names[$0.conceptID]) }))
            return
        }
        func label(_ id: String) -> String {
            guard let summary = names[id], !summary.name.isEmpty else { return id }
            return "\(summary.name) [\(id)\(summary.kind.isEmpty ? "" : ", \(summary.kind)")]"
        }
        print("\(label(concept)) in \(world.isEmpty ? "the global view" : "world \(world)"), to depth \(depth):")
        if related.isEmpty { print("  no relationships") }
        for item in related {
            let edge = item.via
            print("  \(item.depth)  \(label(item.conceptID))")
            print("       via \(edge.fromConceptID) -\(edge.kind)-> \(edge.toConceptID)  weight \(edge.weight)  "
                  + (edge.worldID.map { "(\($0))" } ?? "(global)"))
        }
    }
}

/// The concept commands' JSON.
enum ConceptJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

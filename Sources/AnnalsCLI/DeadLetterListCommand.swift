import ArgumentParser
import Foundation
import Projection

struct DeadLetterListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Dead letters by projection: id, coordinates, when, error. Waiting ones only, unless --all.")

    @Argument(help: "Only this projection's, e.g. story.") var projection: String?
    @Flag(help: "Include the dead letters already re-driven.") var all = false
    @Option(help: "Most dead letters to print.") var limit = 100
    @Flag(help: "Print JSON instead of a table.") var json = false
    @OptionGroup var connection: ConnectionOptions

    /// One dead letter, as `--json` prints it.
    struct Entry: Encodable {
        var summary: DeadLetterSummary

        enum CodingKeys: String, CodingKey {
            case id, projection, topic, partition, offset, failedAt = "failed_at", redrivenAt = "redriven_at", error
            case valueBytes = "value_bytes"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(summary.id, forKey: .id)
            try container.encode(summary.projection, forKey: .projection)
            try container.encode(summary.coordinates.topic, forKey: .topic)
            try container.encode(summary.coordinates.partition, forKey: .partition)
            try container.encode(summary.coordinates.offset, forKey: .offset)
            try container.encode(DeadLetterLayout.timestamp(summary.failedAt), forKey: .failedAt)
            try container.encode(summary.redrivenAt.map(DeadLetterLayout.timestamp), forKey: .redrivenAt)
            try container.encode(summary.error, forKey: .error)
            try container.encode(summary.valueBytes, forKey: .valueBytes)
        }
    }

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        if let projection { _ = try ProjectionCatalog.named(projection) }
        let db = try DeadLetterCommand.connect(connection)
        var letters = try DeadLetterStore.summaries(
            projection: projection, includeRedriven: all, limit: limit + 1, connection: db)
        let more = letters.count > limit
        letters = Array(letters.prefix(limit))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(letters.map(Entry.init)), as: UTF8.self))
        } else if letters.isEmpty {
            print("no \(all ? "" : "waiting ")dead letters" + (projection.map { " for \($0)" } ?? ""))
        } else {
            DeadLetterLayout.table(letters).forEach { print($0) }
        }
        if more {
            FileHandle.standardError.write(Data("only the first \(limit) are shown: pass a larger --limit to see more\n".utf8))
        }
    }
}

import AnnalsEvents
import ArgumentParser
import DocumentIngest
import Foundation
import Kafka
import Logging

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Publish markdown documents with YAML front matter to document-ingested, keyed by document id.",
        discussion: """
        Each file starts with front matter between two `---` lines: id, version, title, and optionally world \
        (omit for a global document), source, tags, occurred_at (RFC 3339; default 2026-01-01T00:00:00Z), \
        concepts (id, name, kind, description, attributes) and relationships (from, to, kind, weight). The \
        markdown after it is the content; its SHA-256 is the content hash, and the event id follows from the \
        document id, version and hash, so ingesting the same file again changes nothing.

        Every file is validated first. A bad file is reported as path:line: problem and the good ones are still \
        published. Exits 1 if any file was rejected or not delivered. Directories give the .md files directly \
        inside them, sorted by name. Examples:
          annals ingest --dry-run Samples/knowledge-base/documents
          annals ingest Samples/knowledge-base/documents Samples/knowledge-base/updates
        """)

    @Argument(help: ArgumentHelp("Document files, or directories of .md files.", valueName: "path"))
    var paths: [String] = []

    @Flag(help: "Validate and print a summary of each document without publishing.") var dryRun = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one document file or directory") }
    }

    func run() async throws {
        let batch = IngestBatch(paths: paths)
        for error in batch.rejected {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
        }
        let rejected = batch.rejected.isEmpty ? "" : ", rejected " + Self.count(batch.rejected.count, "file")
        if dryRun {
            if !batch.accepted.isEmpty { print(Self.summary(batch.accepted), terminator: "") }
            print(Self.count(batch.accepted.count, "document") + " valid\(rejected) (dry run: nothing published)")
        } else {
            let undelivered = try await publish(batch.accepted)
            let delivered = batch.accepted.count - undelivered
            print("published " + Self.count(delivered, "document") + " to \(AnnalsTopic.documentIngested)\(rejected)"
                + (undelivered > 0 ? ", \(undelivered) not delivered" : ""))
            if undelivered > 0 { throw ExitCode(1) }
        }
        if !batch.rejected.isEmpty { throw ExitCode(1) }
    }

    /// Sends every document and returns how many were not delivered, each reported on standard error.
    private func publish(_ documents: [DocumentFile]) async throws -> Int {
        guard !documents.isEmpty else { return 0 }
        let producer = try KafkaProducer(config: try connection.kafkaConfig(), logger: Logger(label: "annals.ingest"))
        let records = try documents.map { try KafkaRecord(.documentIngested($0.event)) }
        var undelivered = 0
        for (document, result) in zip(documents, await producer.sendAll(records)) {
            if case .failure(let error) = result {
                undelivered += 1
                FileHandle.standardError.write(Data("\(document.path): not delivered: \(error)\n".utf8))
            }
        }
        return undelivered
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// One row per document: id, version, world, title, words, concepts and relationships, in aligned columns.
    static func summary(_ documents: [DocumentFile]) -> String {
        let header = ["id", "version", "world", "title", "words", "concepts", "relationships"]
        let rows = documents.map { document -> [String] in
            let event = document.event
            return [event.documentID, String(event.version), event.worldID.isEmpty ? "global" : event.worldID, event.title,
                    String(document.wordCount), String(event.concepts.count), String(event.relationships.count)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

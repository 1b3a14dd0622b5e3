import AnnalsEvents
import ArgumentParser
import Foundation
import Kafka
import Logging

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish events from proto3 JSON lines (one event per line) to a topic.",
        discussion: """
        Each line is validated; a bad line is reported with its line number and what is wrong, and the good \
        lines are still published. Exits 1 if any line was rejected. Example:
          annals publish story-event --file Samples/story-events.jsonl
        """)

    @Argument(help: ArgumentHelp("The topic: \(AnnalsTopic.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "topic"))
    var topicName: String

    @Option(help: "File of JSON lines; - or omitted reads standard input.") var file: String?
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        guard let topic = AnnalsTopic(rawValue: topicName) else {
            throw CLIError("unknown topic \(topicName); known: \(AnnalsTopic.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let input = try readInput()
        let producer = try KafkaProducer(config: try connection.kafkaConfig(), logger: Logger(label: "annals.publish"))
        var published = 0
        var rejected = 0
        var records: [(line: Int, record: KafkaRecord)] = []

        func send() async throws {
            let results = await producer.sendAll(records.map(\.record))
            for (entry, result) in zip(records, results) {
                switch result {
                case .success: published += 1
                case .failure(let error):
                    rejected += 1
                    FileHandle.standardError.write(Data("line \(entry.line): not delivered: \(error)\n".utf8))
                }
            }
            records.removeAll(keepingCapacity: true)
        }

        // "\r\n" is one Character in Swift, unequal to "\n": split on both so CRLF files are read line by line.
        let lines = input.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            do {
                let event = try topic.decode(json: text)
                records.append((index + 1, try KafkaRecord(event)))
            } catch {
                rejected += 1
                FileHandle.standardError.write(Data("line \(index + 1): \(error)\n".utf8))
            }
            if records.count >= 1_000 { try await send() }
        }
        try await send()
        print("published \(published) events to \(topic)" + (rejected > 0 ? ", rejected \(rejected) lines" : ""))
        if rejected > 0 { throw ExitCode(1) }
    }

    private func readInput() throws -> String {
        if let file, file != "-" {
            do {
                return try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw CLIError("cannot read \(file): \(error.localizedDescription)")
            }
        }
        return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }
}

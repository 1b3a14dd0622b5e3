import ArgumentParser
import Foundation
import Projection

struct DeadLetterShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "One dead letter in full: coordinates, key, headers, error, the raw value and the event it holds.")

    @Argument(help: "Its id, from `annals dlq list`.") var id: Int64
    @Option(help: "Most bytes of the value to dump, and of its JSON form to print; 0 prints all (--json always does).")
    var bytes = 4_096
    @Flag(help: "Print JSON instead of text.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard bytes >= 0 else { throw ValidationError("--bytes must be 0 (everything) or more") }
    }

    func run() throws {
        let db = try DeadLetterCommand.connect(connection)
        guard let stored = try DeadLetterStore.stored(id: id, connection: db) else { throw DeadLetterError.unknownID(id) }
        if json {
            let data = try JSONSerialization.data(
                withJSONObject: try Self.jsonObject(stored), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            DeadLetterLayout.details(stored, maxBytes: bytes == 0 ? nil : bytes).forEach { print($0) }
        }
    }

    /// Everything, raw bytes in hex (and as text when printable UTF-8); the event as a JSON object when the value
    /// decodes, else why it does not.
    static func jsonObject(_ stored: StoredDeadLetter) throws -> [String: Any] {
        let summary = stored.summary
        let letter = stored.letter
        func bytes(_ value: [UInt8]?) -> Any {
            guard let value else { return NSNull() }
            let text = DeadLetterLayout.text(value)
            return ["text": text.hasPrefix("hex:") ? NSNull() : text, "hex": DeadLetterLayout.hex(value)] as [String: Any]
        }
        var object: [String: Any] = [
            "id": summary.id, "projection": summary.projection, "topic": summary.coordinates.topic,
            "partition": Int(summary.coordinates.partition), "offset": summary.coordinates.offset,
            "failed_at": DeadLetterLayout.timestamp(summary.failedAt),
            "redriven_at": summary.redrivenAt.map(DeadLetterLayout.timestamp) ?? NSNull(),
            "error": summary.error, "key": bytes(letter.key),
            "headers": letter.headers.map { ["key": $0.key, "value": bytes($0.value)] as [String: Any] },
            "value_bytes": letter.value?.count ?? 0,
            "value_hex": letter.value.map(DeadLetterLayout.hex) ?? NSNull(),
            "event": NSNull(), "event_error": NSNull(),
        ]
        switch DeadLetterLayout.eventJSON(topic: summary.coordinates.topic, value: letter.value ?? []) {
        case .success(let text): object["event"] = try JSONSerialization.jsonObject(with: Data(text.utf8))
        case .failure(let reason): object["event_error"] = reason.description
        }
        return object
    }
}

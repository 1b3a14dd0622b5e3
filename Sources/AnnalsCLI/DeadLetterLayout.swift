import AnnalsEvents
import Foundation
import Kafka
import Projection

/// How `annals dlq` prints dead letters; pure.
///
/// ```
/// ID   PROJECTION  AT                 FAILED AT             STATE    ERROR
/// 12   story       story-event/3@41   2026-11-25T10:31:02Z  waiting  event is 2,000,123 bytes, over the …
/// ```
enum DeadLetterLayout {
    /// The `list` table, one row per letter, under a header; errors cut to their first line and `errorWidth`.
    static func table(_ letters: [DeadLetterSummary], errorWidth: Int = 100) -> [String] {
        let rows = letters.map { letter in
            [
                String(letter.id), letter.projection, letter.coordinates.description, timestamp(letter.failedAt),
                letter.redrivenAt.map { "re-driven " + timestamp($0) } ?? "waiting",
                cut(firstLine(letter.error), to: errorWidth),
            ]
        }
        let header = ["ID", "PROJECTION", "AT", "FAILED AT", "STATE", "ERROR"]
        let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    /// Everything about one letter, for `show`; the value's dump and JSON form cut after `maxBytes` (nil: whole).
    static func details(_ stored: StoredDeadLetter, maxBytes: Int?) -> [String] {
        let summary = stored.summary
        let letter = stored.letter
        var lines = [
            "dead letter \(summary.id)",
            "projection:  \(summary.projection)",
            "at:          \(summary.coordinates)",
            "failed at:   \(timestamp(summary.failedAt))",
            "state:       " + (summary.redrivenAt.map { "re-driven \(timestamp($0))" } ?? "waiting"),
            "key:         " + (letter.key.map(text) ?? "(none)"),
        ]
        if letter.headers.isEmpty {
            lines.append("headers:     (none)")
        } else {
            lines.append("headers:")
            lines += letter.headers.map { "  \($0.key): " + ($0.value.map(text) ?? "(null)") }
        }
        lines.append("error:")
        lines += summary.error.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        guard let value = letter.value else {
            lines.append("value:       (none)")
            return lines
        }
        let shown = maxBytes.map { min($0, value.count) } ?? value.count
        lines.append("value:       \(grouped(value.count)) bytes"
            + (shown < value.count ? ", the first \(grouped(shown)) shown (--bytes 0 shows all)" : ""))
        lines += hexDump(Array(value.prefix(shown))).map { "  " + $0 }
        switch eventJSON(topic: summary.coordinates.topic, value: value) {
        case .success(let json):
            let cut = maxBytes.map { json.utf8.count > $0 ? String(decoding: json.utf8.prefix($0), as: UTF8.self) + " …" : json }
            lines.append("as \(AnnalsTopic(rawValue: summary.coordinates.topic)?.messageTypeName ?? "event") (proto3 JSON):")
            lines.append("  " + (cut ?? json))
        case .failure(let reason):
            lines.append("as an event: \(reason)")
        }
        return lines
    }

    /// The value in the topic's message type as proto3 JSON, or why it is not one.
    static func eventJSON(topic: String, value: [UInt8]) -> Result<String, EventDecodingError> {
        guard let topic = AnnalsTopic(rawValue: topic) else {
            return .failure(.undecodable(topic: .storyEvent, reason: "topic \(topic) is not an Annals topic"))
        }
        guard !value.isEmpty else { return .failure(.empty(topic: topic)) }
        return Result { () throws(EventDecodingError) -> String in try topic.jsonString(binary: value) }
    }

    /// `xxd`-style: offset, sixteen bytes in hex, the printable ASCII.
    static func hexDump(_ bytes: [UInt8]) -> [String] {
        stride(from: 0, to: bytes.count, by: 16).map { start in
            let line = bytes[start..<min(start + 16, bytes.count)]
            var hexPart = ""
            for (index, byte) in line.enumerated() {
                hexPart += (index == 8 ? "  " : index == 0 ? "" : " ") + hex([byte])
            }
            let ascii = String(line.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
            let offset = String(start, radix: 16)
            return String(repeating: "0", count: max(0, 8 - offset.count)) + offset + "  "
                + hexPart.padding(toLength: 48, withPad: " ", startingAt: 0) + "  |" + ascii + "|"
        }
    }

    /// Printable UTF-8 as text, anything else as `hex:` digits.
    static func text(_ bytes: [UInt8]) -> String {
        if let string = String(validating: bytes, as: UTF8.self),
           !string.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return string
        }
        return "hex:" + hex(bytes)
    }

    /// Two lower-case hex digits per byte.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ISO 8601 in UTC, to the second.
    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// Digits in groups of three, as the worker's size errors print them: 2097152 → "2,097,152".
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number.magnitude))
        var out = number < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    static func firstLine(_ text: String) -> String {
        String(text.prefix { $0 != "\n" && $0 != "\r\n" })
    }

    private static func cut(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }
}

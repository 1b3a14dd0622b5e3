import Foundation
import Kafka
import Postgres

/// A row of `annals.dead_letters` without its raw key, value and headers: what `annals dlq list` shows.
public struct DeadLetterSummary: Sendable, Equatable {
    /// The row id, for `annals dlq show` and `annals dlq redrive --id`.
    public var id: Int64
    public var projection: String
    public var coordinates: EventCoordinates
    /// Size of the raw value.
    public var valueBytes: Int
    /// Why it was dead-lettered, or why its latest redrive failed.
    public var error: String
    public var failedAt: Date
    /// When a redrive applied it; nil while it waits.
    public var redrivenAt: Date?

    public init(id: Int64, projection: String, coordinates: EventCoordinates, valueBytes: Int, error: String,
                failedAt: Date, redrivenAt: Date?) {
        self.id = id
        self.projection = projection
        self.coordinates = coordinates
        self.valueBytes = valueBytes
        self.error = error
        self.failedAt = failedAt
        self.redrivenAt = redrivenAt
    }

    /// A row selected with `DeadLetterStore.summaryColumns`.
    init(_ row: PostgresRow) throws {
        self.init(
            id: try row.int64("id"), projection: try row.string("projection"),
            coordinates: EventCoordinates(
                topic: try row.string("topic"), partition: Int32(try row.int("partition")), offset: try row.int64("offset")),
            valueBytes: try row.int("value_bytes"), error: try row.string("error"),
            failedAt: Date(timeIntervalSince1970: try row.double("failed_at")),
            redrivenAt: row.isNull("redriven_at") ? nil : Date(timeIntervalSince1970: try row.double("redriven_at")))
    }
}

/// A row of `annals.dead_letters` in full: the summary and the raw message.
public struct StoredDeadLetter: Sendable, Equatable {
    public var summary: DeadLetterSummary
    public var letter: DeadLetter

    public init(summary: DeadLetterSummary, letter: DeadLetter) {
        self.summary = summary
        self.letter = letter
    }

    /// The message as it was read from Kafka (its timestamp is unknown for letters recorded before it was kept).
    public var message: KafkaMessage {
        KafkaMessage(
            topic: letter.coordinates.topic, partition: letter.coordinates.partition, offset: letter.coordinates.offset,
            key: letter.key, value: letter.value, headers: letter.headers, timestampMilliseconds: letter.timestampMilliseconds)
    }

    /// A row selected with `DeadLetterStore.summaryColumns`, key, value and headers.
    init(_ row: PostgresRow) throws {
        let summary = try DeadLetterSummary(row)
        self.init(summary: summary, letter: DeadLetter(
            coordinates: summary.coordinates,
            key: row.isNull("key") ? nil : try row.bytes("key"),
            value: row.isNull("value") ? nil : try row.bytes("value"),
            headers: try DeadLetter.headers(fromJSON: try row.string("headers")),
            timestampMilliseconds: row.isNull("record_timestamp_ms") ? nil : try row.int64("record_timestamp_ms"),
            error: summary.error))
    }
}

extension DeadLetter {
    private struct StoredHeader: Decodable {
        var key: String
        var value_hex: String?
    }

    /// `headersJSON` backwards.
    static func headers(fromJSON text: String) throws -> [KafkaHeader] {
        let stored: [StoredHeader]
        do {
            stored = try JSONDecoder().decode([StoredHeader].self, from: Data(text.utf8))
        } catch {
            throw PostgresError(.decoding, message: "dead letter headers are not the JSON array Annals writes: \(error)")
        }
        return try stored.map { header in
            guard let hexValue = header.value_hex else { return KafkaHeader(key: header.key, value: nil) }
            guard let value = bytes(fromHex: hexValue) else {
                throw PostgresError(.decoding, message: "dead letter header \(header.key) has a value that is not hex")
            }
            return KafkaHeader(key: header.key, value: value)
        }
    }
}

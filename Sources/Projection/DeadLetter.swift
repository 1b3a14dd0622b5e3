import Foundation
import Kafka
import Postgres

/// A message a projection could not apply, kept with everything needed to re-drive it.
public struct DeadLetter: Sendable, Equatable {
    public var coordinates: EventCoordinates
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    public var error: String

    public init(coordinates: EventCoordinates, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], error: String) {
        self.coordinates = coordinates
        self.key = key
        self.value = value
        self.headers = headers
        self.error = error
    }

    /// Headers as a JSON array of `{"key": …, "value_hex": …}`, for the jsonb column.
    var headersJSON: String {
        let items = headers.map { header in
            let value = header.value.map { "\"" + hex($0) + "\"" } ?? "null"
            return "{\"key\":" + jsonString(header.key) + ",\"value_hex\":" + value + "}"
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}

/// `annals.dead_letters` for one projection.
public struct DeadLetterStore: Sendable {
    public let projection: String

    public init(projection: String) {
        self.projection = projection
    }

    /// Records dead letters inside the batch's transaction; a message already recorded is left as it is.
    public func record(_ letters: [DeadLetter], in tx: PostgresConnection) throws {
        guard !letters.isEmpty else { return }
        let statements: [(sql: String, parameters: [PostgresValue?])] = letters.map { letter in
            (
                """
                INSERT INTO annals.dead_letters (projection, topic, partition, "offset", key, value, headers, error)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT DO NOTHING
                """,
                [
                    PostgresValue(projection), PostgresValue(letter.coordinates.topic),
                    .int(letter.coordinates.partition), .int(letter.coordinates.offset),
                    letter.key.map { .bytea($0) }, letter.value.map { .bytea($0) },
                    PostgresValue(letter.headersJSON),
                    PostgresValue(letter.error.replacingOccurrences(of: "\0", with: "\u{FFFD}")),
                ]
            )
        }
        _ = try tx.pipeline(statements)
    }

    /// How many dead letters the projection has, per partition.
    public func counts(connection: PostgresConnection) throws -> [TopicPartition: Int] {
        let result = try connection.execute(
            "SELECT topic, partition, count(*) AS n FROM annals.dead_letters WHERE projection = $1 GROUP BY 1, 2",
            [PostgresValue(projection)])
        var counts: [TopicPartition: Int] = [:]
        for row in result.rows {
            counts[TopicPartition(topic: try row.string("topic"), partition: Int32(try row.int("partition")))] = try row.int("n")
        }
        return counts
    }

    /// Dead letters in coordinate order.
    public func list(limit: Int, connection: PostgresConnection) throws -> [DeadLetter] {
        let result = try connection.execute(
            """
            SELECT topic, partition, "offset", key, value, error FROM annals.dead_letters
            WHERE projection = $1 ORDER BY topic, partition, "offset" LIMIT $2
            """,
            [PostgresValue(projection), .int(limit)])
        return try result.rows.map { row in
            DeadLetter(
                coordinates: EventCoordinates(
                    topic: try row.string("topic"), partition: Int32(try row.int("partition")),
                    offset: try row.int64("offset")),
                key: row["key"] == nil ? nil : try row.bytes("key"),
                value: row["value"] == nil ? nil : try row.bytes("value"),
                headers: [],
                error: try row.string("error"))
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// A JSON string literal, escaped.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\0": out += "\u{FFFD}"  // jsonb rejects \u0000; a dead letter must always be recordable
        case _ where scalar.value < 0x20:
            out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

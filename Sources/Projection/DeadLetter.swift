import Foundation
import Kafka
import Postgres

/// A message a projection could not apply, kept with everything needed to re-drive it.
public struct DeadLetter: Sendable, Equatable {
    public var coordinates: EventCoordinates
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// The record's Kafka timestamp: a redrive bounds event times against it as the worker did.
    public var timestampMilliseconds: Int64?
    public var error: String

    public init(coordinates: EventCoordinates, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader],
                timestampMilliseconds: Int64? = nil, error: String) {
        self.coordinates = coordinates
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
        self.error = error
    }

    /// Headers as a JSON array of `{"key": …, "value_hex": …}`, for the jsonb column.
    var headersJSON: String {
        let items = headers.map { header in
            let value = header.value.map { "\"" + hexString($0) + "\"" } ?? "null"
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

    /// Records dead letters inside the batch's transaction. A message already waiting is left as it is; one marked
    /// re-driven waits again, with the new reason: its effect is not in the tables this worker writes (it was re-driven
    /// into tables a replay's swap has since replaced, or the partition was read again from an older checkpoint).
    public func record(_ letters: [DeadLetter], in tx: PostgresConnection) throws {
        guard !letters.isEmpty else { return }
        let statements: [(sql: String, parameters: [PostgresValue?])] = letters.map { letter in
            (
                """
                INSERT INTO annals.dead_letters
                    (projection, topic, partition, "offset", key, value, headers, error, record_timestamp_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)
                ON CONFLICT (projection, topic, partition, "offset") DO UPDATE
                    SET redriven_at = NULL, error = EXCLUDED.error, failed_at = now()
                    WHERE annals.dead_letters.redriven_at IS NOT NULL
                """,
                [
                    PostgresValue(projection), PostgresValue(letter.coordinates.topic),
                    .int(letter.coordinates.partition), .int(letter.coordinates.offset),
                    letter.key.map { .bytea($0) }, letter.value.map { .bytea($0) },
                    PostgresValue(letter.headersJSON),
                    PostgresValue(letter.error.replacingOccurrences(of: "\0", with: "\u{FFFD}")),
                    letter.timestampMilliseconds.map { .int($0) },
                ]
            )
        }
        _ = try tx.pipeline(statements)
    }

    /// How many dead letters the projection has waiting (not re-driven), per partition.
    public func counts(connection: PostgresConnection) throws -> [TopicPartition: Int] {
        let result = try connection.execute(
            """
            SELECT topic, partition, count(*) AS n FROM annals.dead_letters
            WHERE projection = $1 AND redriven_at IS NULL GROUP BY 1, 2
            """,
            [PostgresValue(projection)])
        var counts: [TopicPartition: Int] = [:]
        for row in result.rows {
            counts[TopicPartition(topic: try row.string("topic"), partition: Int32(try row.int("partition")))] = try row.int("n")
        }
        return counts
    }

    /// Dead letters of `projection` (every projection when nil), by projection and coordinates, without their
    /// values. Waiting ones only unless `includeRedriven`; none when the runtime tables do not exist yet.
    public static func summaries(projection: String?, includeRedriven: Bool, limit: Int? = nil,
                                 connection: PostgresConnection) throws -> [DeadLetterSummary] {
        try ifRuntimeSchemaExists(default: []) {
            try connection.execute(
                """
                SELECT \(summaryColumns) FROM annals.dead_letters
                WHERE ($1::text IS NULL OR projection = $1) AND ($2 OR redriven_at IS NULL)
                ORDER BY projection, topic, partition, "offset" LIMIT $3
                """,
                [projection.map { PostgresValue($0) }, .bool(includeRedriven), limit.map { .int($0) }]
            ).rows.map(DeadLetterSummary.init)
        }
    }

    /// The dead letters with these ids, in coordinate order; ids that do not exist are left out.
    public static func summaries(ids: [Int64], connection: PostgresConnection) throws -> [DeadLetterSummary] {
        try ifRuntimeSchemaExists(default: []) {
            try connection.execute(
                """
                SELECT \(summaryColumns) FROM annals.dead_letters WHERE id = ANY($1::bigint[])
                ORDER BY projection, topic, partition, "offset"
                """,
                [.int64Array(ids)]
            ).rows.map(DeadLetterSummary.init)
        }
    }

    /// One dead letter with its raw key, value and headers; nil when there is none with that id.
    public static func stored(id: Int64, connection: PostgresConnection) throws -> StoredDeadLetter? {
        try ifRuntimeSchemaExists(default: nil) {
            try connection.execute(
                """
                SELECT \(summaryColumns), key, value, headers::text AS headers, record_timestamp_ms
                FROM annals.dead_letters WHERE id = $1
                """,
                [.int(id)]
            ).rows.first.map(StoredDeadLetter.init)
        }
    }

    /// Locks a waiting dead letter for the caller's transaction; false when it was re-driven or deleted meanwhile.
    func lockWaiting(id: Int64, in tx: PostgresConnection) throws -> Bool {
        try !tx.execute(
            "SELECT id FROM annals.dead_letters WHERE id = $1 AND redriven_at IS NULL FOR UPDATE", [.int(id)]
        ).rows.isEmpty
    }

    /// Marks a dead letter applied by a redrive; the row stays, for the record.
    func markRedriven(id: Int64, in tx: PostgresConnection) throws {
        try tx.execute("UPDATE annals.dead_letters SET redriven_at = now() WHERE id = $1", [.int(id)])
    }

    /// Replaces a waiting dead letter's error with why its latest redrive failed.
    func recordFailure(id: Int64, error: String, connection: PostgresConnection) throws {
        try connection.execute(
            "UPDATE annals.dead_letters SET error = $2 WHERE id = $1 AND redriven_at IS NULL",
            [.int(id), PostgresValue(error.replacingOccurrences(of: "\0", with: "\u{FFFD}"))])
    }

    static let summaryColumns = """
        id, projection, topic, partition, "offset", coalesce(octet_length(value), 0) AS value_bytes, error,
        extract(epoch FROM failed_at)::float8 AS failed_at, extract(epoch FROM redriven_at)::float8 AS redriven_at
        """

    /// Nothing has ever been dead-lettered before the runtime schema exists: `fallback` rather than an error.
    private static func ifRuntimeSchemaExists<T>(default fallback: T, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.sqlState == "42P01" || error.sqlState == "3F000" {
            return fallback
        }
    }
}

/// Two lower-case hex digits per byte.
public func hexString(_ bytes: [UInt8]) -> String {
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

/// `hex` backwards; nil when `text` is not an even number of hex digits.
func bytes(fromHex text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
    var out = [UInt8]()
    out.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
        out.append(high << 4 | low)
        index += 2
    }
    return out
}

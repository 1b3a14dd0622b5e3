import Kafka

/// One Kafka record as the archive keeps it: everything a restore needs to write it back as it was.
public struct ArchivedRecord: Sendable, Hashable {
    public var offset: Int64
    /// The record's timestamp, milliseconds since 1970; nil when the broker gave none.
    public var timestampMilliseconds: Int64?
    public var key: [UInt8]?
    /// Nil for a record without value (a tombstone).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(offset: Int64, timestampMilliseconds: Int64?, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) {
        self.offset = offset
        self.timestampMilliseconds = timestampMilliseconds
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// `message` as archived.
    public init(_ message: KafkaMessage) {
        self.init(offset: message.offset, timestampMilliseconds: message.timestampMilliseconds, key: message.key,
                  value: message.value, headers: message.headers)
    }
}

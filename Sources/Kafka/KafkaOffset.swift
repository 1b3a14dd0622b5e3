/// Logical offsets understood by librdkafka (`RD_KAFKA_OFFSET_*`).
public enum KafkaOffset {
    /// The oldest message still in the partition (`RD_KAFKA_OFFSET_BEGINNING`).
    public static let beginning: Int64 = -2
    /// The next message to be produced (`RD_KAFKA_OFFSET_END`).
    public static let end: Int64 = -1
    /// The committed group offset, else `auto.offset.reset` (`RD_KAFKA_OFFSET_STORED`).
    public static let stored: Int64 = -1000
}

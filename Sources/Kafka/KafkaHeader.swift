/// One Kafka record header; a `nil` value is a header without value.
public struct KafkaHeader: Sendable, Hashable {
    /// Header name.
    public var key: String
    /// Header bytes, or `nil` for a null header.
    public var value: [UInt8]?

    /// A header `key` with `value`.
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

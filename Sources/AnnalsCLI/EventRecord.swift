import AnnalsEvents
import Kafka

extension KafkaRecord {
    /// `event` as a record of its topic: keyed by its partitioning key, its protobuf bytes, the message-type header.
    init(_ event: AnnalsEvent, timestampMilliseconds: Int64? = nil) throws {
        self.init(topic: event.topic.rawValue, key: Array(event.key.utf8), value: try event.serializedBytes(),
                  headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(event.topic.messageTypeName.utf8))],
                  timestampMilliseconds: timestampMilliseconds)
    }
}

import Dispatch
import Logging

extension KafkaConsumer {
    /// Every message of the given partitions from `low` up to (not including) `high`, read by a consumer that joins
    /// no group, sorted by partition then offset. Throws when no message arrives for `stallSeconds` while some
    /// partition is unfinished. Blocking: call it from a thread of its own, never the cooperative pool.
    public static func read(_ ranges: [TopicPartition: (low: Int64, high: Int64)], config: KafkaConfig, groupID: String,
                            stallSeconds: Double = 30, logger: Logger) throws -> [KafkaMessage] {
        let ranges = ranges.filter { $0.value.high > $0.value.low }
        guard !ranges.isEmpty else { return [] }
        let consumer = try KafkaConsumer(config: config, assignment: ranges.mapValues(\.low), groupID: groupID, logger: logger)
        defer { consumer.close() }

        var messages: [KafkaMessage] = []
        var remaining = Set(ranges.keys)
        var lastProgress = DispatchTime.now().uptimeNanoseconds
        while !remaining.isEmpty {
            let batch = try consumer.poll(maxMessages: 5_000, timeoutMilliseconds: 500)
            let now = DispatchTime.now().uptimeNanoseconds
            if batch.isEmpty, Double(now - lastProgress) / 1e9 > stallSeconds {
                throw KafkaError(code: KafkaError.Code.timedOut,
                                 message: "\(remaining.sorted().map(\.description).joined(separator: ", ")) delivered nothing "
                                     + "for \(Int(stallSeconds)) s before reaching the high watermark")
            }
            if !batch.isEmpty { lastProgress = now }
            for message in batch {
                guard let high = ranges[message.topicPartition]?.high, message.offset < high else { continue }
                messages.append(message)
                if message.offset + 1 >= high { remaining.remove(message.topicPartition) }
            }
        }
        return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}

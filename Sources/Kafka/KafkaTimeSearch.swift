import Logging

/// Finds each partition's first offset whose message is stamped at or after a time. Asks the brokers first
/// (ListOffsets by time); where they answer "none" although the partition's last message is late enough (brokers
/// without a time index, such as librdkafka's mock cluster), it binary-searches the logs by reading single messages
/// (every partition's probe in one `peek`), which assumes timestamps do not go backwards within a partition (true
/// for LogAppendTime and for one producer's CreateTime).
public enum KafkaTimeSearch {
    /// nil for a partition means no message is that late.
    public static func firstOffsets(atOrAfter timestampMilliseconds: Int64,
                                    watermarks: [TopicPartition: (low: Int64, high: Int64)],
                                    config: KafkaConfig, logger: Logger) throws -> [TopicPartition: Int64?] {
        let admin = try KafkaAdmin(config: config, logger: logger)
        var offsets = try admin.offsets(atOrAfter: timestampMilliseconds, of: watermarks.keys.sorted())
        // Searching `lower...upper`, where `upper` is known to be stamped at or after the time once checked.
        var ranges: [TopicPartition: (lower: Int64, upper: Int64)] = [:]
        for (partition, marks) in watermarks where (offsets[partition] ?? nil) == nil && marks.high > marks.low {
            ranges[partition] = (marks.low, marks.high - 1)
        }
        let last = try stamps(at: ranges.mapValues(\.upper), config: config, logger: logger)
        ranges = ranges.filter { (last[$0.key] ?? .min) >= timestampMilliseconds }
        while !ranges.isEmpty {
            let middles = ranges.mapValues { $0.lower + ($0.upper - $0.lower) / 2 }
            let stamped = try stamps(at: middles, config: config, logger: logger)
            for (partition, middle) in middles {
                guard var range = ranges[partition] else { continue }
                if (stamped[partition] ?? .min) >= timestampMilliseconds { range.upper = middle } else { range.lower = middle + 1 }
                if range.lower == range.upper {
                    offsets[partition] = range.upper
                    ranges[partition] = nil
                } else {
                    ranges[partition] = range
                }
            }
        }
        return offsets
    }

    /// The timestamp of the message at each offset (0 for one without a timestamp).
    private static func stamps(at offsets: [TopicPartition: Int64], config: KafkaConfig,
                               logger: Logger) throws -> [TopicPartition: Int64] {
        let messages = try KafkaConsumer.peek(offsets, config: config, timeoutMilliseconds: 15_000, logger: logger)
        if let (partition, offset) = offsets.sorted(by: { $0.key < $1.key }).first(where: { messages[$0.key] == nil }) {
            throw KafkaError.state("reading \(partition)@\(offset) to find its timestamp timed out")
        }
        return messages.mapValues { $0.timestampMilliseconds ?? 0 }
    }
}

import Dispatch
import Logging

/// Finds each partition's first offset whose message is stamped at or after a time. Asks the brokers first
/// (ListOffsets by time); where they answer "none" although the partition's last message is late enough (brokers
/// without a time index, such as librdkafka's mock cluster), it binary-searches the log by reading single messages,
/// which assumes timestamps do not go backwards within a partition (true for LogAppendTime and one producer's
/// CreateTime).
public enum KafkaTimeSearch {
    /// nil for a partition means no message is that late.
    public static func firstOffsets(atOrAfter timestampMilliseconds: Int64,
                                    watermarks: [TopicPartition: (low: Int64, high: Int64)],
                                    config: KafkaConfig, logger: Logger) throws -> [TopicPartition: Int64?] {
        let admin = try KafkaAdmin(config: config, logger: logger)
        var offsets = try admin.offsets(atOrAfter: timestampMilliseconds, of: watermarks.keys.sorted())
        let unanswered = watermarks.filter { partition, marks in (offsets[partition] ?? nil) == nil && marks.high > marks.low }
        guard !unanswered.isEmpty else { return offsets }
        let reader = try SingleMessageReader(partitions: Array(unanswered.keys), config: config, logger: logger)
        for (partition, marks) in unanswered.sorted(by: { $0.key < $1.key }) {
            offsets[partition] = try search(partition, low: marks.low, high: marks.high, for: timestampMilliseconds, reader: reader)
        }
        return offsets
    }

    /// The first offset in `low..<high` stamped at or after `time`, nil when even the last one is earlier.
    static func search(_ partition: TopicPartition, low: Int64, high: Int64, for time: Int64,
                       reader: SingleMessageReader) throws -> Int64? {
        guard try reader.timestamp(partition, at: high - 1) >= time else { return nil }
        var lower = low
        var upper = high - 1  // stamped at or after `time`
        while lower < upper {
            let middle = lower + (upper - lower) / 2
            if try reader.timestamp(partition, at: middle) >= time { upper = middle } else { lower = middle + 1 }
        }
        return upper
    }
}

/// Reads the message at an offset of some partitions, outside any group.
final class SingleMessageReader {
    private let consumer: KafkaConsumer

    init(partitions: [TopicPartition], config: KafkaConfig, logger: Logger) throws {
        var config = config
        config["enable.partition.eof"] = "false"
        let starts = Dictionary(uniqueKeysWithValues: partitions.map { ($0, KafkaOffset.beginning) })
        consumer = try KafkaConsumer(config: config, assignment: starts, groupID: "annals-time-search", logger: logger)
        try consumer.pause(partitions)
    }

    deinit {
        consumer.close()
    }

    /// The timestamp of the first message at or after `offset` (milliseconds; messages without one count as 0).
    func timestamp(_ partition: TopicPartition, at offset: Int64) throws -> Int64 {
        try consumer.seek(partition, to: offset)
        try consumer.resume([partition])
        defer { try? consumer.pause([partition]) }
        let deadline = DispatchTime.now().uptimeNanoseconds + 15_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            for message in try consumer.poll(maxMessages: 100, timeoutMilliseconds: 200)
            where message.topicPartition == partition && message.offset >= offset {
                return message.timestampMilliseconds ?? 0
            }
        }
        throw KafkaError.state("reading \(partition)@\(offset) to find its timestamp timed out")
    }
}

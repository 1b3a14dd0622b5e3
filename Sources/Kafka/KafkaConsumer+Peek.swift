import Logging

extension KafkaConsumer {
    /// For each partition, the first message at or after the given offset, read by a consumer that joins no group
    /// and commits nothing. Waits at most `timeoutMilliseconds` in all: partitions whose message has not arrived by
    /// then are absent from the result. Blocking: call it from a thread of its own, never the cooperative pool.
    ///
    /// An offset below the start of the log (deleted by retention) reads the oldest message still there.
    public static func peek(_ offsets: [TopicPartition: Int64], config: KafkaConfig, timeoutMilliseconds: Int,
                            logger: Logger) throws -> [TopicPartition: KafkaMessage] {
        guard !offsets.isEmpty else { return [:] }
        var config = config
        config["auto.offset.reset"] = "earliest"
        // One message per partition is wanted: keep the fetches and the prefetch queue small.
        for (key, value) in ["max.partition.fetch.bytes": "65536", "queued.max.messages.kbytes": "1024"] where config[key] == nil {
            config[key] = value
        }
        // librdkafka wants a group id even for a consumer that only assigns; it names nothing on the broker.
        let groupID = "annals-peek-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        let consumer = try KafkaConsumer(config: config, assignment: offsets, groupID: groupID, logger: logger)
        defer { consumer.close() }

        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeoutMilliseconds)
        var found: [TopicPartition: KafkaMessage] = [:]
        while found.count < offsets.count {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            let milliseconds = Int32(clamping: min(remaining.components.seconds * 1_000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1, 100))
            for message in try consumer.poll(maxMessages: 64, timeoutMilliseconds: milliseconds) {
                let partition = message.topicPartition
                guard found[partition] == nil, let start = offsets[partition], message.offset >= start else { continue }
                found[partition] = message
                // Nothing more is needed from it; a failed pause only costs a few more fetched messages.
                try? consumer.pause([partition])
            }
        }
        return found
    }
}

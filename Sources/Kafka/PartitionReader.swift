import Dispatch
import Logging

/// One partition read forward from an offset, batch by batch, by a consumer that joins no group. Blocking, and
/// not thread-safe: call it from one thread at a time, never from the cooperative pool.
public final class PartitionReader {
    public let partition: TopicPartition
    private let consumer: KafkaConsumer
    /// The last poll's messages, and how many of them have been handed out.
    private var pending: [KafkaMessage] = []
    private var next = 0

    public init(config: KafkaConfig, partition: TopicPartition, from offset: Int64, groupID: String, logger: Logger) throws {
        self.partition = partition
        consumer = try KafkaConsumer(config: config, assignment: [partition: offset], groupID: groupID, logger: logger)
    }

    /// The next records before offset `end`, at most `maxRecords`, and no more once their keys and values reach
    /// `maxBytes` (the last one may pass it); fewer only when the record before `end` has been read. Throws when
    /// nothing arrives for `stallSeconds` before that.
    public func read(before end: Int64, maxRecords: Int, maxBytes: Int, stallSeconds: Double = 30) throws -> [KafkaMessage] {
        var batch: [KafkaMessage] = []
        var bytes = 0
        var lastProgress = DispatchTime.now().uptimeNanoseconds
        while batch.count < maxRecords, bytes < maxBytes {
            if next == pending.count {
                pending = try consumer.poll(maxMessages: 5_000, timeoutMilliseconds: 500)
                    .filter { $0.topicPartition == partition }
                next = 0
                let now = DispatchTime.now().uptimeNanoseconds
                if pending.isEmpty {
                    if Double(now - lastProgress) / 1e9 > stallSeconds {
                        throw KafkaError(code: KafkaError.Code.timedOut,
                                         message: "\(partition) delivered nothing for \(Int(stallSeconds)) s before offset \(end)")
                    }
                    continue
                }
                lastProgress = now
            }
            let message = pending[next]
            next += 1
            guard message.offset < end else { return batch }
            batch.append(message)
            bytes += (message.key?.count ?? 0) + (message.value?.count ?? 0)
            if message.offset + 1 >= end { return batch }
        }
        return batch
    }

    public func close() {
        consumer.close()
    }
}

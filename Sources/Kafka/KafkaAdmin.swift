import CRdKafka
import Logging

/// Cluster administration: metadata, topic creation, topic configs, watermarks. Every call blocks its caller.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient

    /// A client for admin requests (no messages are produced through it).
    public init(config: KafkaConfig, logger: Logger) throws {
        let configuration = try RDKafkaConfiguration(config.properties)
        // No error_cb: nothing polls this client's main queue, so librdkafka logs errors through log_cb instead.
        let context = RDKafkaCallbackContext(logger: logger, handlesErrors: false)
        client = try RDKafkaClient(type: RD_KAFKA_PRODUCER, configuration: configuration, context: context)
    }

    /// All topics in the cluster (rd_kafka_metadata), sorted by name.
    public func topics(timeoutMilliseconds: Int32 = 10_000) throws -> [TopicMetadata] {
        var raw: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(client.handle, 1, nil, &raw, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata = raw else {
            throw KafkaError(result, message: "metadata request failed: \(String(cString: rd_kafka_err2str(result))); are the brokers reachable?")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let m = metadata.pointee
        var topics: [TopicMetadata] = []
        for topicIndex in 0..<Int(m.topic_cnt) {
            guard let topic = m.topics?[topicIndex] else { continue }
            var partitions: [PartitionMetadata] = []
            for partitionIndex in 0..<Int(topic.partition_cnt) {
                guard let p = topic.partitions?[partitionIndex] else { continue }
                partitions.append(PartitionMetadata(
                    id: p.id,
                    leader: p.leader,
                    replicas: Self.brokerIDs(p.replicas, count: p.replica_cnt),
                    inSyncReplicas: Self.brokerIDs(p.isrs, count: p.isr_cnt)
                ))
            }
            let name = topic.topic.map { String(cString: $0) } ?? ""
            topics.append(TopicMetadata(
                name: name,
                partitions: partitions.sorted { $0.id < $1.id },
                error: topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(topic.err, message: "topic \(name): \(String(cString: rd_kafka_err2str(topic.err)))")
            ))
        }
        return topics.sorted { $0.name < $1.name }
    }

    /// CreateTopics admin API; per-topic error (TOPIC_ALREADY_EXISTS etc.), `nil` when created.
    public func createTopics(_ topics: [NewTopic], timeoutMilliseconds: Int32 = 10_000) throws -> [String: KafkaError?] {
        guard !topics.isEmpty else { return [:] }
        let newTopics = RDKafkaOwnedPointers(destroy: rd_kafka_NewTopic_destroy)
        for topic in topics {
            var errstr = [CChar](repeating: 0, count: 512)
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor, &errstr, errstr.count) else {
                throw KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: "topic \(topic.name): \(String(cBuffer: errstr))")
            }
            newTopics.append(newTopic)
            for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                let result = rd_kafka_NewTopic_set_config(newTopic, key, value)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(result, message: "topic \(topic.name) config \(key)=\(value): \(String(cString: rd_kafka_err2str(result)))")
                }
            }
        }
        return try request("CreateTopics", operation: RD_KAFKA_ADMIN_OP_CREATETOPICS, timeoutMilliseconds: timeoutMilliseconds, send: { options, queue in
            withExtendedLifetime(newTopics) {
                var pointers = newTopics.pointers
                rd_kafka_CreateTopics(client.handle, &pointers, pointers.count, options, queue)
            }
        }, parse: Self.parseCreateTopics)
    }

    private static func parseCreateTopics(_ event: OpaquePointer) throws -> [String: KafkaError?] {
        guard let resultObject = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError.state("CreateTopics: unexpected admin result event")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(resultObject, &count) else { return [:] }
        var outcome: [String: KafkaError?] = [:]
        for index in 0..<count {
            guard let result = results[index] else { continue }
            let name = String(cString: rd_kafka_topic_result_name(result))
            let err = rd_kafka_topic_result_error(result)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                outcome[name] = .some(nil)
            } else {
                let detail = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
                outcome[name] = KafkaError(err, message: "create topic \(name): \(detail)")
            }
        }
        return outcome
    }

    /// DescribeConfigs for topics: name → (config name → value); throws a clear KafkaError when the broker does not support it.
    public func describeTopicConfigs(_ names: [String], timeoutMilliseconds: Int32 = 10_000) throws -> [String: [String: String]] {
        guard !names.isEmpty else { return [:] }
        let resources = RDKafkaOwnedPointers(destroy: rd_kafka_ConfigResource_destroy)
        for name in names {
            guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name) else {
                throw KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: "invalid topic name \(name)")
            }
            resources.append(resource)
        }
        return try request("DescribeConfigs", operation: RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMilliseconds: timeoutMilliseconds, send: { options, queue in
            withExtendedLifetime(resources) {
                var pointers = resources.pointers
                rd_kafka_DescribeConfigs(client.handle, &pointers, pointers.count, options, queue)
            }
        }, parse: Self.parseDescribeConfigs)
    }

    private static func parseDescribeConfigs(_ event: OpaquePointer) throws -> [String: [String: String]] {
        guard let resultObject = rd_kafka_event_DescribeConfigs_result(event) else {
            throw KafkaError.state("DescribeConfigs: unexpected admin result event")
        }
        var count = 0
        guard let results = rd_kafka_DescribeConfigs_result_resources(resultObject, &count) else { return [:] }
        var outcome: [String: [String: String]] = [:]
        for index in 0..<count {
            guard let resource = results[index] else { continue }
            let name = String(cString: rd_kafka_ConfigResource_name(resource))
            let err = rd_kafka_ConfigResource_error(resource)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let detail = rd_kafka_ConfigResource_error_string(resource).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
                throw KafkaError(err, message: "describe configs of topic \(name): \(detail)")
            }
            var entryCount = 0
            var configs: [String: String] = [:]
            if let entries = rd_kafka_ConfigResource_configs(resource, &entryCount) {
                for entryIndex in 0..<entryCount {
                    guard let entry = entries[entryIndex], let entryName = rd_kafka_ConfigEntry_name(entry) else { continue }
                    configs[String(cString: entryName)] = rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) } ?? ""
                }
            }
            outcome[name] = configs
        }
        return outcome
    }

    /// Low (oldest) and high (next to be written) offsets of `partition`, asked from its leader.
    public func watermarks(_ partition: TopicPartition, timeoutMilliseconds: Int32 = 10_000) throws -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_query_watermark_offsets(client.handle, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: "watermarks of \(partition): \(String(cString: rd_kafka_err2str(result)))")
        }
        return (low, high)
    }

    /// Watermarks of every partition of the named topics; topics the cluster does not have are absent.
    public func watermarks(ofTopics names: Set<String>) throws -> [TopicPartition: (low: Int64, high: Int64)] {
        var watermarks: [TopicPartition: (low: Int64, high: Int64)] = [:]
        for topic in try topics() where names.contains(topic.name) {
            for partition in topic.partitions {
                let tp = TopicPartition(topic: topic.name, partition: partition.id)
                watermarks[tp] = try self.watermarks(tp)
            }
        }
        return watermarks
    }

    /// For each partition, the offset of its first message whose timestamp is at or after `timestampMilliseconds`
    /// (ListOffsets by time); nil when no message is that late (every message is earlier).
    public func offsets(atOrAfter timestampMilliseconds: Int64, of partitions: [TopicPartition],
                        timeoutMilliseconds: Int32 = 10_000) throws -> [TopicPartition: Int64?] {
        guard !partitions.isEmpty else { return [:] }
        let list = try RDKafkaTopicPartitionList(partitions, defaultOffset: timestampMilliseconds)
        let result = list.withPointer { rd_kafka_offsets_for_times(client.handle, $0, timeoutMilliseconds) }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, message: "offsets for time \(timestampMilliseconds): \(String(cString: rd_kafka_err2str(result)))")
        }
        if let error = list.firstError(operation: "offsets for time") { throw error }
        var offsets: [TopicPartition: Int64?] = [:]
        for entry in list.entries {
            offsets[entry.topicPartition] = entry.offset >= 0 ? entry.offset : nil
        }
        return offsets
    }

    /// Runs one admin request on a private queue and parses its result event while it is alive, or throws a clear error.
    private func request<Result>(
        _ name: String,
        operation: rd_kafka_admin_op_t,
        timeoutMilliseconds: Int32,
        send: (OpaquePointer, OpaquePointer) -> Void,
        parse: (OpaquePointer) throws -> Result
    ) throws -> Result {
        guard let queue = rd_kafka_queue_new(client.handle) else { throw KafkaError.state("\(name): cannot create a queue") }
        let queueOwner = RDKafkaOwnedPointers([queue], destroy: rd_kafka_queue_destroy)
        guard let options = rd_kafka_AdminOptions_new(client.handle, operation) else { throw KafkaError.state("\(name): cannot create options") }
        let optionsOwner = RDKafkaOwnedPointers([options], destroy: rd_kafka_AdminOptions_destroy)
        var errstr = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
        if operation == RD_KAFKA_ADMIN_OP_CREATETOPICS {
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
        }
        try requireController(for: name, timeoutMilliseconds: timeoutMilliseconds)
        send(options, queue)
        // The request timeout bounds the answer; the extra second lets librdkafka deliver its own timeout event.
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1_000) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, message: "\(name): no answer within \(timeoutMilliseconds) ms")
        }
        let eventOwner = RDKafkaOwnedPointers([event], destroy: rd_kafka_event_destroy)
        withExtendedLifetime((queueOwner, optionsOwner)) {}
        return try withExtendedLifetime(eventOwner) { try check(event, name: name, timeoutMilliseconds: timeoutMilliseconds, parse: parse) }
    }

    private func check<Result>(_ event: OpaquePointer, name: String, timeoutMilliseconds: Int32, parse: (OpaquePointer) throws -> Result) throws -> Result {
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let detail = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
            var message = "\(name) failed: \(detail)"
            if err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION || err == RD_KAFKA_RESP_ERR_INVALID_REQUEST {
                message += " — the broker does not implement \(name) (librdkafka's mock cluster does not); "
                    + "on the dev cluster use KafkaDevCluster.createTopic, on a real cluster check the broker version"
            } else if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
                message += " — no broker answered within \(timeoutMilliseconds) ms (the broker may not implement \(name))"
            }
            throw KafkaError(err, message: message)
        }
        return try parse(event)
    }

    /// Fails fast when the cluster has no usable controller: librdkafka would otherwise wait the whole timeout for one.
    private func requireController(for name: String, timeoutMilliseconds: Int32) throws {
        // A metadata round trip proves the brokers answer, lists them and refreshes the cached controller id.
        var raw: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(client.handle, 0, nil, &raw, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata = raw else {
            throw KafkaError(result, message: "\(name): metadata request failed: \(String(cString: rd_kafka_err2str(result))); are the brokers reachable?")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let brokers = (0..<Int(metadata.pointee.broker_cnt)).compactMap { metadata.pointee.brokers?[$0].id }
        let controller = rd_kafka_controllerid(client.handle, 0)
        // librdkafka 2.0.2's mock cluster reports controller 0, which is none of its brokers (they count from 1).
        guard brokers.contains(controller) else {
            throw KafkaError(
                RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE,
                message: "\(name) is not available: the cluster reports controller \(controller), which is none of its brokers \(brokers.sorted()) "
                    + "(librdkafka's mock dev cluster implements no admin APIs; create dev topics with KafkaDevCluster.createTopic)"
            )
        }
    }

    private static func brokerIDs(_ ids: UnsafeMutablePointer<Int32>?, count: Int32) -> [Int32] {
        guard let ids, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: ids, count: Int(count)))
    }
}

import CRdKafka

/// An error reported by librdkafka or a broker, or a misuse detected by this module.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// The `rd_kafka_resp_err_t` value (negative: client-side, positive: broker error code).
    public var code: Int32
    /// Human-readable explanation, including what to do where known.
    public var message: String
    /// The client instance is unusable and must be recreated.
    public var isFatal: Bool
    /// Retrying the same operation may succeed.
    public var isRetriable: Bool
    /// librdkafka's symbolic name, e.g. `_TIMED_OUT` or `TOPIC_ALREADY_EXISTS`.
    public var codeName: String
    /// The partition the error is about, where it is about one.
    public var partition: TopicPartition?

    /// An error with an explicit message.
    public init(code: Int32, message: String, isFatal: Bool = false, isRetriable: Bool = false,
                partition: TopicPartition? = nil) {
        self.code = code
        self.partition = partition
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.codeName = String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    /// `codeName: message`.
    public var description: String { "KafkaError(\(codeName)): \(message)" }

    /// Well-known values of `code`.
    public enum Code {
        /// Local: operation timed out.
        public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
        /// A partition's position is outside the log and `auto.offset.reset` is `error`.
        public static let offsetOutOfRange = RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET.rawValue
        /// Local: the broker does not support the request (e.g. admin APIs on the mock cluster).
        public static let unsupportedFeature = RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE.rawValue
        /// Local: the producer queue is full.
        public static let queueFull = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
        /// Local: the client was shut down before the operation finished.
        public static let destroyed = RD_KAFKA_RESP_ERR__DESTROY.rawValue
        /// Local: invalid argument or state.
        public static let invalidArgument = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
        /// Local: invalid configuration property or value.
        public static let invalidConfig = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
        /// Local: message purged before delivery.
        public static let purgedFromQueue = RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue
        /// Local: message timed out before delivery.
        public static let messageTimedOut = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue
        /// Broker: unknown topic or partition.
        public static let unknownTopicOrPartition = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
        /// Broker: topic already exists.
        public static let topicAlreadyExists = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue
        /// Local: the consumer or producer was closed.
        public static let closed = RD_KAFKA_RESP_ERR__STATE.rawValue
    }

    /// An error from a response code, with librdkafka's text unless `message` is given.
    init(_ err: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool = false) {
        self.init(
            code: err.rawValue,
            message: message ?? String(cString: rd_kafka_err2str(err)),
            isFatal: isFatal,
            isRetriable: false
        )
    }

    /// Copies and destroys an `rd_kafka_error_t`; `context` says which operation failed.
    static func consuming(_ error: OpaquePointer, context: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let detail = rd_kafka_error_string(error).map { String(cString: $0) } ?? "unknown error"
        return KafkaError(
            code: rd_kafka_error_code(error).rawValue,
            message: "\(context): \(detail)",
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0
        )
    }

    /// The fatal error raised on `rk`, if any (idempotent producer epoch fencing, group member fencing).
    static func fatal(of rk: OpaquePointer) -> KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(rk, &buffer, buffer.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(err, message: "fatal: \(String(cBuffer: buffer)); recreate the client", isFatal: true)
    }

    /// A usage error detected in Swift.
    static func state(_ message: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__STATE, message: message)
    }
}

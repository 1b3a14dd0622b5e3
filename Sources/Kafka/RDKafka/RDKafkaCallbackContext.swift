import CRdKafka
import Logging

/// Target of the conf opaque: what every C callback of one `rd_kafka_t` reaches.
// @unchecked Sendable: all stored properties are immutable. `logger` and `delivery` are Sendable and used from
// librdkafka's threads; `rebalance` is not Sendable and is only touched by the rebalance and offset-commit
// callbacks, which librdkafka runs on the thread calling rd_kafka_consumer_poll/close (the consumer's thread).
final class RDKafkaCallbackContext: @unchecked Sendable {
    let logger: Logger
    /// Producer only: outstanding delivery promises.
    let delivery: DeliveryRegistry?
    /// Consumer only: the application's rebalance closures.
    let rebalance: RebalanceHandler?
    /// Whether to install `error_cb` (only clients whose main queue is polled should).
    let handlesErrors: Bool

    init(logger: Logger, delivery: DeliveryRegistry? = nil, rebalance: RebalanceHandler? = nil, handlesErrors: Bool) {
        self.logger = logger
        self.delivery = delivery
        self.rebalance = rebalance
        self.handlesErrors = handlesErrors
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbackContext? {
        guard let opaque else { return nil }
        return Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// librdkafka log line → swift-log; runs on librdkafka's internal threads.
let rdKafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, facility, line in
    guard let rk, let context = RDKafkaCallbackContext.from(rd_kafka_opaque(rk)) else { return }
    let swiftLevel: Logger.Level
    switch level {
    case ...2: swiftLevel = .critical
    case 3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5: swiftLevel = .notice
    case 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    context.logger.log(
        level: swiftLevel,
        "\(line.map { String(cString: $0) } ?? "")",
        metadata: ["rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
    )
}

/// librdkafka error event → swift-log; runs inside rd_kafka_poll / rd_kafka_consumer_poll.
let rdKafkaErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, err, reason, opaque in
    guard let context = RDKafkaCallbackContext.from(opaque) else { return }
    let code = rd_kafka_resp_err_t(rawValue: err)
    let level: Logger.Level = code == RD_KAFKA_RESP_ERR__FATAL ? .critical : .warning
    context.logger.log(
        level: level,
        "Kafka client error: \(reason.map { String(cString: $0) } ?? "")",
        metadata: ["kafka.error": "\(String(cString: rd_kafka_err2name(code)))"]
    )
}

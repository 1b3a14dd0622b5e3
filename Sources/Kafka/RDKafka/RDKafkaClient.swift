import CRdKafka

/// Sole owner of an `rd_kafka_t`; destroys it in `deinit`, then releases the callback context.
// @unchecked Sendable: librdkafka documents rd_kafka_t as thread-safe; `handle` and `context` never change.
final class RDKafkaClient: @unchecked Sendable {
    /// The `rd_kafka_t *`.
    let handle: OpaquePointer
    /// Target of the conf opaque; kept alive until after `rd_kafka_destroy`.
    let context: RDKafkaCallbackContext

    /// Creates the handle; `context` receives logs, errors, delivery reports and rebalances.
    init(type: rd_kafka_type_t, configuration: RDKafkaConfiguration, context: RDKafkaCallbackContext) throws(KafkaError) {
        self.context = context
        configuration.withPointer { conf in
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
            rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
            if context.handlesErrors {
                rd_kafka_conf_set_error_cb(conf, rdKafkaErrorCallback)
            }
            if context.delivery != nil {
                rd_kafka_conf_set_dr_msg_cb(conf, rdKafkaDeliveryCallback)
            }
            if context.rebalance != nil {
                rd_kafka_conf_set_rebalance_cb(conf, rdKafkaRebalanceCallback)
                rd_kafka_conf_set_offset_commit_cb(conf, rdKafkaOffsetCommitCallback)
            }
        }
        handle = try configuration.create(type: type)
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// Client instance name, e.g. `rdkafka#producer-1`.
    var name: String { String(cString: rd_kafka_name(handle)) }
}

import CRdKafka

extension KafkaConfig {
    /// Checks the properties as librdkafka does when it makes a client (names, values, the SASL mechanism and its
    /// credentials, TLS files and keys) without connecting anywhere: a throwaway producer is made and destroyed, so a
    /// wrong setting is reported at start rather than as connection failures later. Errors never echo a secret value.
    public func validate() throws(KafkaError) {
        let configuration = try RDKafkaConfiguration(properties)
        // The throwaway client must log nothing: librdkafka's default logger prints plain lines to stderr, and
        // `debug` raises the level whatever log_level says. The error string carries what matters.
        configuration.withPointer { rd_kafka_conf_set_log_cb($0) { _, _, _, _ in } }
        let handle = try configuration.create(type: RD_KAFKA_PRODUCER)
        rd_kafka_destroy(handle)
    }
}

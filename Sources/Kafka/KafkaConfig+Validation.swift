import CRdKafka

extension KafkaConfig {
    /// Checks the properties as librdkafka does when it makes a client (names, values, the SASL mechanism and its
    /// credentials, TLS files and keys) without connecting anywhere: a throwaway producer is made and destroyed, so a
    /// wrong setting is reported at start rather than as connection failures later. Errors never echo a secret value.
    public func validate() throws(KafkaError) {
        var checked = properties
        // librdkafka's own logger would print to stderr; the error string carries what matters.
        checked["log_level"] = "0"
        let configuration = try RDKafkaConfiguration(checked)
        let handle = try configuration.create(type: RD_KAFKA_PRODUCER)
        rd_kafka_destroy(handle)
    }
}

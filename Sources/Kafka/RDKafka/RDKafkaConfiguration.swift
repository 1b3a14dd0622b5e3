import CRdKafka

/// Owner of an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`.
final class RDKafkaConfiguration {
    /// `nil` once ownership passed to an `rd_kafka_t`.
    private var pointer: OpaquePointer?

    /// A configuration with `properties` applied in key order.
    init(_ properties: [String: String]) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError.state("rd_kafka_conf_new failed (out of memory)")
        }
        pointer = conf
        for key in properties.keys.sorted() {
            try set(key, properties[key] ?? "")
        }
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    /// Sets one property; the error names the key but never echoes a secret value.
    func set(_ key: String, _ value: String) throws(KafkaError) {
        guard let pointer else { throw KafkaError.state("configuration already used") }
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &errstr, errstr.count)
        guard result == RD_KAFKA_CONF_OK else {
            // librdkafka quotes a value it rejects for its form ("Invalid value \"abc\" for …"); an unknown key (a
            // misspelt `sasl.pasword`) gets no quote, so the value is never added here: it may be a secret.
            var reason = String(cBuffer: errstr)
            if KafkaConfig.isSecret(key), !value.isEmpty { reason = reason.replacing(value, with: "<redacted>") }
            throw KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: "invalid Kafka property \(key): \(reason)")
        }
    }

    /// Gives `body` the raw conf to install callbacks; does nothing once handed over.
    func withPointer(_ body: (OpaquePointer) -> Void) {
        if let pointer { body(pointer) }
    }

    /// Hands the conf to `rd_kafka_new`: on success librdkafka owns it, on failure this object still does.
    func create(type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        guard let pointer else { throw KafkaError.state("configuration already used") }
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, pointer, &errstr, errstr.count) else {
            throw KafkaError(
                RD_KAFKA_RESP_ERR__INVALID_ARG,
                message: "cannot create Kafka client: \(String(cBuffer: errstr))"
            )
        }
        self.pointer = nil
        return handle
    }
}

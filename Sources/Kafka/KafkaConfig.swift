/// librdkafka configuration: typed accessors for the common properties plus an escape hatch for any other.
public struct KafkaConfig: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Raw librdkafka properties (see librdkafka's CONFIGURATION.md); applied in key order.
    public var properties: [String: String]

    /// Configuration for the given comma-separated `host:port` list (sets `bootstrap.servers`).
    public init(brokers: String, properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = brokers
    }

    /// Any librdkafka property; `nil` removes it.
    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// `bootstrap.servers`: comma-separated `host:port` list.
    public var brokers: String {
        get { properties["bootstrap.servers"] ?? "" }
        set { properties["bootstrap.servers"] = newValue }
    }

    /// `client.id`: shows up in broker logs and metrics.
    public var clientID: String? {
        get { properties["client.id"] }
        set { properties["client.id"] = newValue }
    }

    /// `session.timeout.ms`: how long the group coordinator waits for a silent consumer before evicting it.
    public var sessionTimeoutMilliseconds: Int? {
        get { properties["session.timeout.ms"].flatMap { Int($0) } }
        set { properties["session.timeout.ms"] = newValue.map { String($0) } }
    }

    /// `message.timeout.ms`: how long a produced message may wait for delivery before it fails.
    public var messageTimeoutMilliseconds: Int? {
        get { properties["message.timeout.ms"].flatMap { Int($0) } }
        set { properties["message.timeout.ms"] = newValue.map { String($0) } }
    }

    /// `debug`: comma-separated librdkafka debug contexts (e.g. `cgrp,topic,fetch`), logged at debug level.
    public var debugContexts: String? {
        get { properties["debug"] }
        set { properties["debug"] = newValue }
    }

    /// The properties with secrets (passwords, keys, secrets, tokens) redacted, one `key=value` per entry.
    public var description: String {
        let shown = redactedProperties
        let entries = shown.keys.sorted().map { key in "\(key)=\(shown[key] ?? "")" }
        return "KafkaConfig(\(entries.joined(separator: ", ")))"
    }

    /// The same as `description`, so a config inside another value's printout stays redacted.
    public var debugDescription: String { description }

    /// For `dump` and reflection: the properties with secrets redacted.
    public var customMirror: Mirror {
        Mirror(self, children: ["properties": redactedProperties], displayStyle: .struct)
    }

    private var redactedProperties: [String: String] {
        Dictionary(uniqueKeysWithValues: properties.map { ($0.key, Self.isSecret($0.key) ? "<redacted>" : $0.value) })
    }

    /// Whether the value of a property must never be printed: passwords (`sasl.password`, `ssl.key.password`,
    /// `ssl.keystore.password`), secrets (`sasl.oauthbearer.client.secret`), private keys (`ssl.key.pem`), tokens, and
    /// configurations that may embed any of them (`sasl.oauthbearer.config`, `sasl.jaas.config`).
    public static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "private.key", "key.pem", "token", "sasl.jaas.config", "sasl.oauthbearer.config",
                "credential"]
            .contains { lowered.contains($0) }
    }
}

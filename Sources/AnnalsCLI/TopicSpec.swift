import AnnalsEvents
import Foundation
import Yams

/// One file of `Topics/`: how a topic must be configured.
public struct TopicSpec: Codable, Equatable, Sendable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    /// -1 keeps events forever.
    public var retentionMs: Int64
    public var cleanupPolicy: String
    public var key: String
    public var messageType: String
    /// In-sync replicas a write needs before the broker acknowledges it (producers send `acks=all`): with 2 of 3,
    /// an acknowledged event survives the loss of a broker. Required by ``load(directory:)``.
    public var minInsyncReplicas: Int32?

    enum CodingKeys: String, CodingKey {
        case name, partitions, key
        case replicationFactor = "replication_factor"
        case retentionMs = "retention_ms"
        case cleanupPolicy = "cleanup_policy"
        case messageType = "message_type"
        case minInsyncReplicas = "min_insync_replicas"
    }

    /// The topic settings Kafka stores, as `kafka-configs` names them.
    public var kafkaConfig: [String: String] {
        var config = ["retention.ms": String(retentionMs), "cleanup.policy": cleanupPolicy]
        if let minInsyncReplicas { config["min.insync.replicas"] = String(minInsyncReplicas) }
        return config
    }

    /// Every `*.yaml` file in `directory`, validated against the topic registry, sorted by name.
    public static func load(directory: String) throws -> [TopicSpec] {
        let url = URL(fileURLWithPath: directory)
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "yaml" || $0.pathExtension == "yml" }
        } catch {
            throw CLIError("cannot read the topics directory \(directory): \(error.localizedDescription) (pass --topics-dir)")
        }
        guard !files.isEmpty else { throw CLIError("no topic files (*.yaml) in \(directory)") }
        return try files.map { try load(file: $0) }.sorted { $0.name < $1.name }
    }

    static func load(file: URL) throws -> TopicSpec {
        let spec: TopicSpec
        do {
            spec = try YAMLDecoder().decode(TopicSpec.self, from: try String(contentsOf: file, encoding: .utf8))
        } catch {
            throw CLIError("\(file.lastPathComponent): not a valid topic file: \(error)")
        }
        guard let topic = AnnalsTopic(rawValue: spec.name) else {
            throw CLIError("\(file.lastPathComponent): unknown topic \(spec.name); known: "
                + AnnalsTopic.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard spec.messageType == topic.messageTypeName else {
            throw CLIError("\(file.lastPathComponent): topic \(spec.name) carries \(topic.messageTypeName), not \(spec.messageType)")
        }
        guard spec.key == topic.keyField else {
            throw CLIError("\(file.lastPathComponent): topic \(spec.name) is keyed by \(topic.keyField), not \(spec.key)")
        }
        guard spec.partitions > 0, spec.replicationFactor > 0 else {
            throw CLIError("\(file.lastPathComponent): partitions and replication_factor must be 1 or more")
        }
        try checkDurability(spec, file: file.lastPathComponent)
        return spec
    }

    /// min_insync_replicas is given and within 1...replication_factor: more could never be in sync, and every
    /// write would be refused.
    static func checkDurability(_ spec: TopicSpec, file: String) throws {
        guard let minimum = spec.minInsyncReplicas else {
            throw CLIError("\(file): min_insync_replicas is missing: set it (2 with replication_factor 3) so an "
                + "acknowledged event survives the loss of a broker")
        }
        guard minimum >= 1, minimum <= spec.replicationFactor else {
            throw CLIError("\(file): min_insync_replicas \(minimum) must be 1 to replication_factor "
                + "(\(spec.replicationFactor)): with more, no write could be acknowledged")
        }
    }
}

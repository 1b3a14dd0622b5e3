import Kafka

/// What `topics apply` must do for each declared topic, from the declarations and what the cluster shows; pure.
struct TopicPlan: Equatable {
    /// Topics the cluster lacks.
    var missing: [TopicSpec] = []
    /// Live topics whose settings differ from their files, one line each.
    var differences: [String] = []
    /// Topics that match.
    var matching: [String] = []

    init(specs: [TopicSpec], live: [TopicMetadata], liveConfigs: [String: [String: String]]?) {
        let byName = Dictionary(live.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for spec in specs {
            guard let topic = byName[spec.name], topic.error == nil else {
                missing.append(spec)
                continue
            }
            var found: [String] = []
            if topic.partitions.count != Int(spec.partitions) {
                found.append("has \(topic.partitions.count) partitions, the file says \(spec.partitions)")
            }
            if let replicas = topic.partitions.first?.replicas.count, replicas != Int(spec.replicationFactor) {
                found.append("has replication factor \(replicas), the file says \(spec.replicationFactor)")
            }
            if let configs = liveConfigs?[spec.name] {
                for (key, wanted) in spec.kafkaConfig.sorted(by: { $0.key < $1.key }) {
                    if let actual = configs[key], actual != wanted {
                        found.append("has \(key)=\(actual), the file says \(wanted)")
                    }
                }
            }
            if found.isEmpty {
                matching.append(spec.name)
            } else {
                differences += found.map { "topic \(spec.name) \($0)" }
            }
        }
    }
}

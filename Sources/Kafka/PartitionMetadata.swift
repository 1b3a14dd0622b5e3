/// One partition as the cluster metadata describes it.
public struct PartitionMetadata: Sendable {
    /// Partition id.
    public var id: Int32
    /// Broker id of the leader (-1 if none).
    public var leader: Int32
    /// Broker ids holding a replica.
    public var replicas: [Int32]
    /// Broker ids in sync with the leader.
    public var inSyncReplicas: [Int32]

    /// A partition description.
    public init(id: Int32, leader: Int32, replicas: [Int32], inSyncReplicas: [Int32]) {
        self.id = id
        self.leader = leader
        self.replicas = replicas
        self.inSyncReplicas = inSyncReplicas
    }
}

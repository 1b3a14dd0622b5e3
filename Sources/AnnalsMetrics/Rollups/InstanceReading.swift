import AnnalsEvents

/// What one instance reported last in a minute: its sample with the latest `sampled_at` (in microseconds), ties
/// broken by the larger event id in byte order (`COLLATE "C"`).
public struct InstanceReading: Sendable, Equatable, Codable {
    public var instanceID: String
    public var eventID: String
    public var sampledAtMicroseconds: Int64
    /// 0...1; nil when the sample did not carry the reading (its source did not answer).
    public var gpuUtilization: Double?
    /// 0...1; nil when absent.
    public var gpuMemoryUtilization: Double?
    public var queueDepth: UInt64?
    public var latencyP95Seconds: Double?
    public var activePlayers: UInt64?
    public var spotInterruptionNotice: Bool

    /// The reading a sample carries.
    public init(_ sample: MetricSample) {
        instanceID = sample.instanceID
        eventID = sample.meta.eventID
        sampledAtMicroseconds = sample.sampledAt.microsecondsSinceEpoch
        gpuUtilization = sample.hasGpuUtilization ? sample.gpuUtilization : nil
        gpuMemoryUtilization = sample.hasGpuMemoryUtilization ? sample.gpuMemoryUtilization : nil
        queueDepth = sample.hasQueueDepth ? sample.queueDepth : nil
        latencyP95Seconds = sample.hasLatencyP95Seconds ? sample.latencyP95Seconds : nil
        activePlayers = sample.hasActivePlayers ? sample.activePlayers : nil
        spotInterruptionNotice = sample.spotInterruptionNotice
    }

    /// Whether this reading replaces `other` as the instance's last one in the minute.
    public func supersedes(_ other: InstanceReading) -> Bool {
        if sampledAtMicroseconds != other.sampledAtMicroseconds { return sampledAtMicroseconds > other.sampledAtMicroseconds }
        return utf8Less(other.eventID, eventID)
    }
}

import AnnalsEvents
import SwiftProtobuf

/// One interval's readings as the `MetricSample` the agent publishes. Only what was read is set: a source that did
/// not answer leaves its fields absent.
public struct SampleReadings: Sendable, Equatable {
    public var gpu: GPUReading?
    public var inference: InferenceReading?
    /// Whether EC2 has announced this spot instance's interruption.
    public var spotInterruptionNotice: Bool

    public init(gpu: GPUReading? = nil, inference: InferenceReading? = nil, spotInterruptionNotice: Bool = false) {
        self.gpu = gpu
        self.inference = inference
        self.spotInterruptionNotice = spotInterruptionNotice
    }

    /// The sample of `instanceID` in `tier` taken at `sampledAtMilliseconds` (Unix time). Its event id is derived
    /// from the instance and the time, so sending it again is the same event.
    public func sample(tier: Tier, instanceID: String, sampledAtMilliseconds: Int64) -> MetricSample {
        let time = Google_Protobuf_Timestamp(
            seconds: sampledAtMilliseconds.floorDivided(by: 1_000),
            nanos: Int32(sampledAtMilliseconds.floorModulo(1_000)) * 1_000_000)
        return MetricSample.with {
            $0.meta.eventID = Self.eventID(instanceID: instanceID, sampledAtMilliseconds: sampledAtMilliseconds)
            $0.meta.occurredAt = time
            $0.tier = tier
            $0.instanceID = instanceID
            $0.sampledAt = time
            if let value = gpu?.utilization { $0.gpuUtilization = value }
            if let value = gpu?.memoryUtilization { $0.gpuMemoryUtilization = value }
            if let value = inference?.queueDepth { $0.queueDepth = value }
            if let value = inference?.latencyP95Seconds { $0.latencyP95Seconds = value }
            if let value = inference?.activePlayers { $0.activePlayers = value }
            $0.spotInterruptionNotice = spotInterruptionNotice
        }
    }

    /// `<instance>@<milliseconds>`: the same instance never samples twice in one millisecond.
    public static func eventID(instanceID: String, sampledAtMilliseconds: Int64) -> String {
        "\(instanceID)@\(sampledAtMilliseconds)"
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }

    fileprivate func floorModulo(_ divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

import AnnalsEvents
import Foundation
import Kafka

/// The load traces shipped under `Samples/load-traces`, as samples and as the records `annals publish` would send.
public enum MetricTraceFile {
    /// `Samples/load-traces/<name>.jsonl` in the package.
    public static func path(_ name: String) -> String {
        ChildProcess.packageRoot + "/Samples/load-traces/\(name).jsonl"
    }

    /// The trace's samples in file order, each line decoded and validated.
    public static func samples(_ name: String) throws -> [MetricSample] {
        let text = try String(contentsOfFile: path(name), encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { index, line in
            guard case .metricSample(let sample) = try AnnalsTopic.metricSample.decode(json: String(line)) else {
                throw TestSupportFailure("\(path(name)) line \(index + 1) is not a metric sample")
            }
            return sample
        }
    }

    /// A `metric-sample` record keyed by tier with the message-type header.
    public static func record(_ sample: MetricSample) throws -> KafkaRecord {
        KafkaRecord(
            topic: AnnalsTopic.metricSample.rawValue, key: Array(sample.tier.name.utf8), value: try sample.serializedBytes(),
            headers: [KafkaHeader(key: AnnalsTopic.messageTypeHeader, value: Array(AnnalsTopic.metricSample.messageTypeName.utf8))])
    }
}

import AnnalsEvents
import Foundation
import AnnalsMetrics

/// The committed traces under `Samples/load-traces`.
enum TraceFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples/load-traces")

    static func url(_ trace: LoadTrace) -> URL { directory.appendingPathComponent("\(trace.name).jsonl") }

    static func text(_ trace: LoadTrace) throws -> String {
        try String(contentsOf: url(trace), encoding: .utf8)
    }

    /// The file's samples, each line decoded and validated as `annals publish metric-sample` does.
    static func samples(_ trace: LoadTrace) throws -> [MetricSample] {
        try text(trace).split(separator: "\n").map { line in
            guard case .metricSample(let sample) = try AnnalsTopic.metricSample.decode(json: String(line)) else {
                throw TraceFileError(description: "not a metric sample: \(line)")
            }
            return sample
        }
    }

    struct TraceFileError: Error, CustomStringConvertible {
        var description: String
    }
}

import AnnalsEvents
import Dispatch
import Foundation
import Kafka
import Logging
import MetricsProjection
import Projection

/// Metric samples read for a backtest, in the order recorded, and the input that could not be read.
struct RecordedSamples {
    var samples: [MetricSample] = []
    /// One line per rejected line or message, saying where and why.
    var rejected: [String] = []

    /// Adds the samples of proto3 JSON lines `text` (as `annals publish metric-sample` reads them); each bad line
    /// is rejected with `name` and its number.
    mutating func read(lines text: String, name: String) {
        // "\r\n" is one Character in Swift, unequal to "\n": split on both so CRLF files are read line by line.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            do {
                guard case .metricSample(let sample) = try AnnalsTopic.metricSample.decode(json: text) else { continue }
                samples.append(sample)
            } catch {
                rejected.append("\(name): line \(index + 1): \(error)")
            }
        }
    }

    /// Every message of metric-sample from each partition's first offset up to the high watermark taken at the
    /// start, read outside any consumer group, partition by partition in offset order.
    static func fromTopic(kafka: KafkaConfig, logger: Logger, stallSeconds: Double = 30) throws -> RecordedSamples {
        let admin = try KafkaAdmin(config: kafka, logger: logger)
        let watermarks = try ProjectionRebuild.watermarks(for: MetricsProjection(), admin: admin)
        var recorded = RecordedSamples()
        let messages: [KafkaMessage]
        do {
            messages = try KafkaConsumer.read(watermarks, config: kafka,
                                              groupID: "annals-backtest-\(ProcessInfo.processInfo.processIdentifier)",
                                              stallSeconds: stallSeconds, logger: logger)
        } catch let error as KafkaError where error.code == KafkaError.Code.timedOut {
            throw CLIError("\(error.message): check the brokers and run the backtest again")
        }
        for message in messages {
            do {
                guard case .metricSample(let sample) = try AnnalsTopic.metricSample.decode(binary: message.value ?? []) else {
                    continue
                }
                recorded.samples.append(sample)
            } catch {
                recorded.rejected.append("\(message.topic)/\(message.partition)@\(message.offset): \(error)")
            }
        }
        return recorded
    }
}

import AnnalsEvents
import AnnalsMetrics
import ArgumentParser
import Foundation
import Logging

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run the scale policy over recorded metric samples and report what it would have done; publishes nothing.",
        discussion: """
        Samples come from proto3 JSON lines files (--file, repeatable, as `annals publish metric-sample` reads \
        them: a bad line is reported with its number and skipped, and the exit status is then 1) or from the \
        metric-sample topic (--topic: every partition from its first offset to the high watermark taken at start, \
        outside any consumer group). Each tier's samples go through the policy in the order recorded; capacity \
        follows its decisions, an added instance serving --provisioning-delay minutes after the minute of its \
        decision. Demand is in instance-equivalents: the instances that would hold the queue, or the GPU work, at \
        its target. Per tier: the decisions; each breach (demand above capacity by more than the tolerance) with the \
        minutes until capacity covered it; instance-minutes provisioned against needed; minutes under target; what \
        the capacity cost (spot and on demand as the policy splits it, --prices), against holding each tier at its \
        peak and against all on demand, and per 1,000 player-hours. \
        Examples:
          annals backtest --file Samples/load-traces/spike.jsonl --svg spike.svg
          annals backtest --topic --policy slower-scale-in.yaml --provisioning-delay 3 --json
        """)

    @Option(name: .customLong("file"), help: ArgumentHelp(
        "A file of metric samples, one JSON object a line; - reads standard input (repeatable).", valueName: "file"))
    var files: [String] = []
    @Flag(help: "Read the samples from the metric-sample topic instead (needs --brokers or KAFKA_BROKERS).")
    var topic = false
    @OptionGroup(title: "Scale policy") var policy: PolicyOptions
    @Option(help: ArgumentHelp("Minutes from a scale-out decision until its instances serve (boot, model load).", valueName: "minutes"))
    var provisioningDelay = 0
    @Option(help: ArgumentHelp(
        "A tier's capacity at the start, e.g. gold=20 (repeatable; default: the instances reporting in its first minute).",
        valueName: "tier=n"))
    var initialCapacity: [String] = []
    @Option(help: ArgumentHelp("Write a chart of demand against capacity over time to this SVG file.", valueName: "file"))
    var svg: String?
    @Option(help: ArgumentHelp(
        "A JSON price table laid over the built-in one: {\"region\": …, \"prices\": {\"g5.xlarge\": {\"onDemand\": 1.006, "
            + "\"spot\": 0.4}}, \"tierInstanceTypes\": {\"gold\": \"g5.2xlarge\"}}, each part optional (default: us-east-1 list "
            + "prices of the ECS template's instance types, spot at 40%).", valueName: "file"))
    var prices: String?
    @Flag(help: "Print the report as JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard files.isEmpty != !topic else {
            throw ValidationError("give the samples with --file FILE (repeatable) or --topic, not both")
        }
        guard provisioningDelay >= 0 else { throw ValidationError("--provisioning-delay must be 0 or more minutes") }
        _ = try capacities()
    }

    func run() throws {
        let logger = Logger(label: "annals.backtest")
        let (settings, policySource) = try policy.settings()
        let (recorded, source) = try readSamples(logger: logger)
        for rejection in recorded.rejected {
            FileHandle.standardError.write(Data("\(rejection)\n".utf8))
        }
        guard !recorded.samples.isEmpty else {
            throw CLIError("no metric samples in \(source): nothing to backtest")
        }
        let report = Backtest.run(recorded.samples, settings: BacktestSettings(
            policy: settings, provisioningDelayMinutes: provisioningDelay, initialCapacity: try capacities()))
        let priceTable = try PriceTable.defaults(overriddenBy: prices)
        let output = try BacktestOutput(report, samples: recorded.samples.count, source: source, policySource: policySource,
                                        prices: priceTable, pricesSource: prices ?? "built-in prices")
        print(json ? try output.json() : output.text)
        if let svg {
            do {
                try BacktestChart.svg(report, title: "Backtest of \(source): demand against capacity")
                    .write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write the chart to \(svg): \(error.localizedDescription)")
            }
            if !json { print("\nchart: \(svg)") }
        }
        if !recorded.rejected.isEmpty {
            FileHandle.standardError.write(Data("rejected \(recorded.rejected.count) (see above); the report covers the rest\n".utf8))
            throw ExitCode(1)
        }
    }

    private func readSamples(logger: Logger) throws -> (RecordedSamples, source: String) {
        if topic {
            return (try RecordedSamples.fromTopic(kafka: try connection.kafkaConfig(), logger: logger),
                    AnnalsTopic.metricSample.rawValue)
        }
        var recorded = RecordedSamples()
        for file in files {
            let text: String
            do {
                text = try file == "-"
                    ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                    : String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw CLIError("cannot read \(file): \(error.localizedDescription)")
            }
            recorded.read(lines: text, name: file)
        }
        return (recorded, files.joined(separator: ", "))
    }

    /// `--initial-capacity` by tier.
    private func capacities() throws -> [Tier: Int] {
        var capacities: [Tier: Int] = [:]
        for entry in initialCapacity {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let tier = Tier(name: parts[0]), let count = Int(parts[1]), count >= 0 else {
                throw ValidationError("--initial-capacity \(entry): expected tier=n with tier gold, silver or bronze, e.g. gold=20")
            }
            capacities[tier] = count
        }
        return capacities
    }
}

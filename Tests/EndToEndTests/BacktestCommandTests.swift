import AnnalsEvents
import AnnalsMetrics
import Foundation
import Kafka
import Logging
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TestSupport

/// `annals backtest` as an operator runs it over the shipped traces, from a file or from the topic.
@Suite("Backtest command", .timeLimit(.minutes(2)))
struct BacktestCommandTests {
    @Test func backtestOfTheSpikePrintsEveryTierAndWritesAParseableChart() async throws {
        let svg = ChildProcess.temporaryPath(name: "spike", suffix: ".svg")
        defer { try? FileManager.default.removeItem(atPath: svg) }

        let run = try await CommandLineTests.annals(
            ["backtest", "--file", MetricTraceFile.path("spike"), "--provisioning-delay", "2", "--svg", svg],
            removingEnvironment: ["ANNALS_POLICY_FILE"])

        #expect(run.status == .exited(0), "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("backtest of 1358 samples from ") == true, "\(run)")
        #expect(lines.first?.contains("provisioning delay 2 min") == true, "\(run)")
        for tier in ["gold", "silver", "bronze"] {
            let summary = lines.first { $0.hasPrefix("\(tier): ") }
            #expect(summary?.contains(" decisions (") == true, "\(tier): \(run)")
            #expect(summary?.contains("instance-minutes provisioned vs") == true, "\(tier): \(run)")
            #expect(summary?.contains("minutes under target") == true, "\(tier): \(run)")
        }
        #expect(lines.contains { $0.contains("→") && $0.contains("scale-out: ") }, "\(run)")
        #expect(lines.contains { $0.contains("spot-replacement: ") }, "the spike's spot reclaim: \(run)")
        #expect(lines.contains { $0.contains("peak demand") }, "the spike's breaches: \(run)")
        #expect(run.stderr.isEmpty, "\(run)")

        let chart = try Data(contentsOf: URL(fileURLWithPath: svg))
        let parser = XMLParser(data: chart)
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(String(decoding: chart, as: UTF8.self).contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    }

    /// Each tier's cost and the total, in the JSON report: the total is the tiers' sum, spot is cheaper than all on
    /// demand, and a price file halving gold's prices halves gold's cost and nothing else.
    @Test func theBacktestPricesEachTiersCapacityAndAPriceFileChangesIt() async throws {
        func report(_ extra: [String]) async throws -> [String: Any] {
            let run = try await CommandLineTests.annals(
                ["backtest", "--file", MetricTraceFile.path("spike"), "--json"] + extra, removingEnvironment: ["ANNALS_POLICY_FILE"])
            #expect(run.status == .exited(0), "\(run)")
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }
        func dollars(_ cost: Any?) -> Double { (cost as? [String: Any])?["dollars"] as? Double ?? -1 }
        let built = try await report([])
        let tiers = try #require(built["tiers"] as? [[String: Any]])
        let total = try #require(built["cost"] as? [String: Any])
        #expect(abs(tiers.map { dollars($0["cost"]) }.reduce(0, +) - dollars(total)) < 1e-9)
        #expect(dollars(total) > 0 && dollars(total) < (total["dollarsAllOnDemand"] as? Double ?? 0))
        #expect(dollars(total) < (total["dollarsAtPeak"] as? Double ?? 0), "the spike's policy beats holding the peak")
        #expect((total["dollarsPerThousandPlayerHours"] as? Double ?? 0) > 0)

        let gold = try PriceTable.defaults.price(of: .gold)
        let path = ChildProcess.temporaryPath(name: "prices", suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"prices": {"g5.xlarge": {"onDemand": \#(gold.onDemand / 2), "spot": \#(gold.spot / 2)}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let halved = try #require(try await report(["--prices", path])["tiers"] as? [[String: Any]])
        for (before, after) in zip(tiers, halved) {
            let expected = before["tier"] as? String == "gold" ? dollars(before["cost"]) / 2 : dollars(before["cost"])
            #expect(abs(dollars(after["cost"]) - expected) < 1e-9, "\(before["tier"] ?? "?")")
        }

        try #"{"tierInstanceTypes": {"gold": "p5.48xlarge"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let refused = try await CommandLineTests.annals(["backtest", "--file", MetricTraceFile.path("spike"), "--prices", path],
                                                        removingEnvironment: ["ANNALS_POLICY_FILE"])
        #expect(refused.status != .exited(0) && refused.stderr.contains("no price for p5.48xlarge"), "\(refused)")
    }

    /// The cost lines of every shipped trace: the tiers add up to the total; spot saves at most what its price does
    /// (60% at the built-in prices) and the policy never costs more than all on demand or than holding the peak; and
    /// the 100-player trace, where every tier stays at its one on-demand instance, costs exactly that instance's
    /// price for the trace's minutes.
    @Test(arguments: ["players-100", "players-500", "players-1000", "players-5000", "players-10000", "ramp-100-to-10000", "spike"])
    func theCostLinesOfEachShippedTraceAddUp(trace: String) async throws {
        let run = try await CommandLineTests.annals(["backtest", "--file", MetricTraceFile.path(trace), "--json"],
                                                    removingEnvironment: ["ANNALS_POLICY_FILE"])
        #expect(run.status == .exited(0), "\(run)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let tiers = try #require(report["tiers"] as? [[String: Any]])
        let total = try #require(report["cost"] as? [String: Any])
        func figure(_ cost: Any?, _ key: String) -> Double { (cost as? [String: Any])?[key] as? Double ?? -1 }
        #expect(tiers.count == 3)
        for key in ["dollars", "dollarsAllOnDemand", "dollarsAtPeak", "spotHours", "onDemandHours", "playerHours"] {
            #expect(abs(tiers.map { figure($0["cost"], key) }.reduce(0, +) - figure(total, key)) < 1e-6, "\(trace) \(key)")
        }
        for tier in tiers {
            let cost = tier["cost"], name = tier["tier"] as? String ?? "?"
            let dollars = figure(cost, "dollars"), onDemand = figure(cost, "dollarsAllOnDemand")
            #expect(dollars > 0 && dollars <= onDemand + 1e-9 && dollars <= figure(cost, "dollarsAtPeak") + 1e-9, "\(trace) \(name)")
            #expect(dollars >= onDemand * PriceTable.spotShareOfOnDemand - 1e-9, "\(trace) \(name): spot saves at most 60%")
            let hours = figure(cost, "spotHours") + figure(cost, "onDemandHours")
            let price = try PriceTable.defaults.price(of: try #require(Tier(name: name)))
            #expect(abs(figure(cost, "spotHours") * price.spot + figure(cost, "onDemandHours") * price.onDemand - dollars) < 1e-6)
            #expect(abs(hours * price.onDemand - onDemand) < 1e-6, "\(trace) \(name): all on demand is every hour at on demand")
        }
        let perThousand = figure(total, "dollarsPerThousandPlayerHours")
        #expect(abs(perThousand - figure(total, "dollars") / figure(total, "playerHours") * 1_000) < 1e-6)
        if trace == "players-100" {
            let samples = try MetricTraceFile.samples(trace)
            for tier in tiers {
                let name = tier["tier"] as? String ?? "?"
                let minutes = Set(samples.filter { $0.tier.name == name }.map { $0.sampledAt.seconds / 60 })
                let price = try PriceTable.defaults.price(of: try #require(Tier(name: name)))
                let expected = Double(try #require(minutes.max()) - minutes.min()! + 1) / 60 * price.onDemand
                #expect(abs(figure(tier["cost"], "dollars") - expected) < 1e-9, "\(name): one on-demand instance throughout")
                #expect(figure(tier["cost"], "spotHours") == 0)
            }
        }
    }

    @Test func aBadLineIsReportedByItsNumberAndTheRestIsBacktested() async throws {
        var lines = try String(contentsOfFile: MetricTraceFile.path("spike"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        lines[2] = #"{"meta": {"eventId": "x"}, "tier": "TIER_PLATINUM"}"#
        lines.insert("not json", at: 5)
        let file = try CommandLineTests.temporaryFile(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: file) }

        let run = try await CommandLineTests.annals(["backtest", "--file", file], removingEnvironment: ["ANNALS_POLICY_FILE"])

        #expect(run.status == .exited(1), "\(run)")
        let reported = run.stderr.split(separator: "\n").filter { $0.hasPrefix("\(file): line ") }.map(String.init)
        #expect(reported.count == 2, "\(run)")
        #expect(reported.first?.hasPrefix("\(file): line 3: ") == true, "\(run)")
        #expect(reported.last?.hasPrefix("\(file): line 6: not a valid annals.v1.MetricSample") == true, "\(run)")
        #expect(run.stdout.hasPrefix("backtest of 1357 samples"), "\(run)")
    }

    @Test func backtestOfTheTopicEqualsBacktestOfTheFileItWasPublishedFromAndPublishesNothing() async throws {
        let kafka = try TestKafkaCluster(topics: ["metric-sample": 3, "scale-decision": 3])
        let publish = try await CommandLineTests.annals([
            "publish", "metric-sample", "--file", MetricTraceFile.path("spike"), "--brokers", kafka.bootstrapServers,
        ])
        #expect(publish.status == .exited(0), "\(publish)")

        let arguments = ["--json", "--initial-capacity", "gold=10", "--provisioning-delay", "1"]
        let fromTopic = try await CommandLineTests.annals(
            ["backtest", "--topic", "--brokers", kafka.bootstrapServers] + arguments, removingEnvironment: ["ANNALS_POLICY_FILE"])
        let fromFile = try await CommandLineTests.annals(
            ["backtest", "--file", MetricTraceFile.path("spike")] + arguments, removingEnvironment: ["ANNALS_POLICY_FILE"])
        #expect(fromTopic.status == .exited(0), "\(fromTopic)")
        #expect(fromFile.status == .exited(0), "\(fromFile)")

        func report(_ json: String) throws -> NSDictionary {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            object["source"] = nil
            return object as NSDictionary
        }
        let topicReport = try report(fromTopic.stdout)
        #expect(topicReport == (try report(fromFile.stdout)))
        #expect(topicReport["samples"] as? Int == 1358)

        // A backtest only reads: no decision reaches scale-decision, and metric-sample holds what was published.
        let admin = try KafkaAdmin(config: kafka.config, logger: Logger(label: "test"))
        func total(_ topic: String) throws -> Int64 {
            try (0..<3).reduce(0) { $0 + (try admin.watermarks(TopicPartition(topic: topic, partition: $1)).high) }
        }
        #expect(try total("scale-decision") == 0, "a backtest must not publish decisions")
        #expect(try total("metric-sample") == 1358)
    }
}

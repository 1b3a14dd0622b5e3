import AnnalsEvents
import ArgumentParser
import Foundation
import Kafka
import LoadGeneration
import Logging

struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Simulate concurrent players publishing story events and metric samples, then report what was sent.",
        discussion: """
        Every player causes story events (keyed by their world, each world's sequence going 1, 2, 3, …), and the \
        GPU instances serving them publish metric samples (keyed by tier), at steady rates for --duration seconds. \
        Each record's timestamp is its event time, so the workers' annals_end_to_end_latency_seconds measures \
        event time to committed row. Ids start with --run-id, so runs never collide. A progress line goes to \
        standard error every second; the report goes to standard output (--json for a machine). Exits 1 if any \
        event was not delivered. Example, 1,000 players for two minutes:
          annals loadgen --players 1000 --duration 120
        """)

    @Option(help: "Concurrent players.") var players: Int
    @Option(help: "Seconds to publish for.") var duration: Double = 60
    @Option(help: "Story events each player causes per minute.") var storyEventsPerMinute: Double = 6
    @Option(help: "Players sharing a world.") var playersPerWorld = 25
    @Option(help: "Players one GPU instance serves; sets how many instances publish samples.") var playersPerInstance = 40
    @Option(help: "Seconds between two metric samples of one instance.") var sampleInterval: Double = 10
    @Option(help: "Prefix of every world, player, instance and event id (default: loadgen-<start time>).")
    var runID: String?
    @Option(help: "Seed of the players' choices; the same seed and settings send the same events.") var seed: UInt64 = 1
    @Option(help: "Milliseconds between two sends.") var tickMs = 100
    @Flag(help: "Print the report as JSON.") var json = false
    @OptionGroup var connection: ConnectionOptions

    var profile: LoadProfile {
        LoadProfile(players: players, storyEventsPerPlayerPerMinute: storyEventsPerMinute, playersPerWorld: playersPerWorld,
                    playersPerInstance: playersPerInstance, sampleIntervalSeconds: sampleInterval)
    }

    func validate() throws {
        var problems = profile.problems
        if !(duration > 0 && duration <= 86_400) { problems.append("duration must be 0 to 86400 seconds, got \(duration)") }
        if !(10...10_000).contains(tickMs) { problems.append("tick-ms must be 10 to 10000, got \(tickMs)") }
        if let first = problems.first { throw ValidationError(([first] + problems.dropFirst()).joined(separator: "; ")) }
    }

    func run() async throws {
        let runID = runID ?? "loadgen-\(Int(Date().timeIntervalSince1970))"
        let producer = try KafkaProducer(config: try connection.kafkaConfig(), logger: Logger(label: "annals.loadgen"))
        let run = LoadRun(profile: profile, runID: runID, seed: seed, durationSeconds: duration,
                          tick: .milliseconds(tickMs), producer: producer)
        let report = try await run.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
        if report.storyEvents.failed + report.metricSamples.failed > 0 { throw ExitCode(1) }
    }
}

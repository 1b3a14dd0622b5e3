import ArgumentParser
import Foundation
import Logging
import Postgres
import Projection

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a projection's tables from offset 0 of its topics, without downtime.",
        discussion: """
        By default the rebuild goes into a shadow schema (<schema>_shadow) up to the high watermarks taken at start, \
        while live workers keep serving the live tables, with a progress bar. It then swaps the shadow in, in one \
        transaction, and hands the live workers its checkpoints: they re-apply from there whatever they had applied \
        since the replay started, so no event is lost or applied twice. A replay that is interrupted (killed, \
        Ctrl-C, a lost connection) leaves the live tables untouched: --resume finishes it, --abandon drops it.

        --until stops at an offset (every partition's messages below it) or an ISO 8601 time (messages stamped \
        before it): the state as of that point is left in the shadow schema for inspection, not swapped in; \
        --abandon drops it.

        --in-place drops the live tables, checkpoints and dead letters in one transaction and rebuilds them; a \
        running worker is fenced by the reset checkpoints and carries on from the rebuilt state (with --until, \
        stop the workers first if the tables are to stay at that point).

        metrics: the policy runs again over every sample with the settings in ANNALS_POLICY_FILE (give it the \
        worker's file, or the defaults apply), rebuilding metrics.decisions with the same decision ids. A replay \
        publishes nothing itself and never sends a decision again (a decision id goes through the outbox, \
        metrics_outbox.decisions, once). When it is done (the swap, or the end of --in-place) it queues in the \
        outbox the decisions made from samples past the live checkpoints it replaced, which a lagging worker never \
        applied and now skips: the worker's publisher sends them.
        """)

    @Argument(help: "The projection, e.g. story.") var projection: String
    @Flag(help: "Truncate and rebuild the live tables instead of building a shadow.") var inPlace = false
    @Option(help: ArgumentHelp("Stop at an offset or an ISO 8601 time (state as of that point).", valueName: "offset|time"))
    var until: String?
    @Flag(help: "Finish the interrupted replay of the projection.") var resume = false
    @Flag(help: "Drop the interrupted (or --until) replay's shadow; the live tables are not touched.") var abandon = false
    @Option(help: "Most events per transaction.") var batchSize = 5_000
    @Option(help: "Events larger than this are dead-lettered; give the workers' value.")
    var maxEventBytes = BatchDecoder.defaultMaxEventBytes
    @Option(help: ArgumentHelp(
        "Event times more than this many seconds ahead of their record's timestamp are dead-lettered; give the workers' value.",
        valueName: "seconds"))
    var eventTimeHorizonSeconds = RunnerStateMachine.Settings.defaultEventTimeHorizonSeconds
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        let modes = [inPlace, resume, abandon].filter { $0 }.count
        guard modes <= 1 else { throw ValidationError("--in-place, --resume and --abandon cannot be combined") }
        if until != nil, resume || abandon {
            throw ValidationError("--until is given when a replay starts; --resume keeps the one it started with")
        }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
        guard maxEventBytes > 0 else { throw ValidationError("--max-event-bytes must be at least 1") }
        guard eventTimeHorizonSeconds >= 0 else { throw ValidationError("--event-time-horizon-seconds must be 0 or more") }
    }

    func run() throws {
        let projection = try ProjectionCatalog.named(projection)
        let bound = try until.map { try ReplayBound(parsing: $0) }
        let logger = Logger(label: "annals.replay")
        let settings = RunnerStateMachine.Settings(
            maxBatch: batchSize, maxEventBytes: maxEventBytes, eventTimeHorizonSeconds: eventTimeHorizonSeconds)
        let display = ProgressDisplay(label: projection.name)
        let database = try PostgresConnection(conninfo: connection.databaseConninfo)

        if abandon {
            guard let record = try ShadowReplay.abandon(projection, connection: database) else {
                print("no replay of \(projection.name) was under way; nothing to abandon")
                return
            }
            print("abandoned the \(projection.name) replay: dropped \(record.shadow.schema); the live tables were not touched")
            return
        }
        if inPlace {
            let hint = "run it again to finish it: it hands over from the checkpoints the first run replaced"
            let result = try rebuilding(hint: hint) {
                try ProjectionRebuild.inPlace(projection, until: bound, kafka: try connection.kafkaConfig(),
                                              databaseURL: connection.databaseConninfo, settings: settings, logger: logger,
                                              progress: { display.show($0) })
            }
            display.finish(result)
            print(String(format: "rebuilt %@ in place from offset 0%@: %lld messages in %.1fs (%.0f events/s)",
                         projection.name, bound.map { " up to \($0)" } ?? "", result.done, result.elapsedSeconds,
                         result.eventsPerSecond))
            return
        }

        let record: ShadowReplayRecord
        if resume {
            guard let unfinished = try ShadowReplay.unfinished(projection, connection: database) else {
                throw ReplayError.noReplay(projection: projection.name)
            }
            record = unfinished
        } else {
            let kafka = try connection.kafkaConfig()
            let targets = try ProjectionRebuild.targets(for: projection, until: bound, kafka: kafka, logger: logger)
            record = try ShadowReplay.start(projection, targets: targets, swaps: bound == nil, until: until, connection: database)
        }
        let hint = "the live tables were not touched: `annals replay \(projection.name) --resume` carries on, --abandon drops it"
        let result = try rebuilding(hint: hint) {
            try ShadowReplay.build(record, projection: projection, kafka: try connection.kafkaConfig(),
                                   databaseURL: connection.databaseConninfo, settings: settings, logger: logger,
                                   progress: { display.show($0) })
        }
        display.finish(result)
        if !projection.deferredIndexes(schema: record.shadow.schema).isEmpty {
            print("building the \(projection.name) shadow's indexes (loaded without them: one build costs less than keeping them up to date row by row)")
        }
        let indexing = try rebuilding(hint: hint) {
            try ShadowReplay.buildIndexes(record, projection: projection, connection: database)
        }
        let built = String(format: "%lld messages (%lld in this run) in %.1fs (%.0f events/s), indexes built in %.1fs",
                           result.done, result.done - result.resumedFrom, result.elapsedSeconds, result.eventsPerSecond,
                           indexing)
        guard record.swaps else {
            print("built \(projection.name) as of \(record.until ?? "the stop offsets") into \(record.shadow.schema): \(built); "
                + "the live tables were not touched. Drop it with `annals replay \(projection.name) --abandon`.")
            return
        }
        try ShadowReplay.swap(record, projection: projection, connection: database)
        let offsets = record.targets.sorted { $0.key < $1.key }.map { "\($0.key)@\($0.value)" }.joined(separator: " ")
        print("rebuilt \(projection.name) from offset 0 and swapped it in: \(built); live workers continue from \(offsets)")
    }

    /// Runs a rebuild, turning a failure other than a refusal to start into one that says how to go on.
    private func rebuilding<Result>(hint: String, _ work: () throws -> Result) throws -> Result {
        do {
            return try work()
        } catch let error as RebuildError {
            throw error
        } catch let error as ReplayError {
            throw error
        } catch {
            throw CLIError("\(RenderedError.rendering(error))\nThe rebuild stopped part-way: \(hint).")
        }
    }
}

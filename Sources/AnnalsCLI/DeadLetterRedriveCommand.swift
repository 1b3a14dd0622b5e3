import ArgumentParser
import Projection

struct DeadLetterRedriveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Apply a projection's waiting dead letters through its current code.",
        discussion: """
        Each dead letter, in topic/partition/offset order, is decoded and validated as the worker does, then applied \
        to the live tables in a transaction of its own. Applied: it is marked re-driven (`annals dlq list --all` \
        still shows it). Refused again: it keeps waiting with the new reason as its error, and the command exits 1. \
        Checkpoints are not touched and each letter briefly holds off the worker's batches of the projection, so it \
        is safe while workers run. Events applied before (same event id) change nothing.

        Events dead-lettered for their size need --max-event-bytes above their size (and the worker's raised too, \
        if more are coming). The knowledge base embeds with the embedder the environment names, as its worker does. \
        metrics: the policy runs with the settings in ANNALS_POLICY_FILE (give it the worker's file) and, as in a \
        replay, decisions a redrive makes are recorded in metrics.decisions but not queued for publishing: they \
        were due when the sample arrived, not now.
        """)

    @Argument(help: "The projection, e.g. story.") var projection: String
    @Option(name: .customLong("id"), help: ArgumentHelp(
        "Only this dead letter (repeatable); by default every waiting one of the projection.", valueName: "id"))
    var ids: [Int64] = []
    @Flag(help: "Apply each in a transaction that is rolled back: say what would happen, change nothing (exits 1 if some would fail).")
    var dryRun = false
    @Option(help: ArgumentHelp("Largest event value, in bytes, as the worker's --max-event-bytes.", valueName: "bytes"))
    var maxEventBytes = BatchDecoder.defaultMaxEventBytes
    @Option(help: ArgumentHelp(
        "Event times more than this many seconds ahead of their record's timestamp stay refused, as the worker's "
            + "--event-time-horizon-seconds.", valueName: "seconds"))
    var eventTimeHorizonSeconds = RunnerStateMachine.Settings.defaultEventTimeHorizonSeconds
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard maxEventBytes > 0 else { throw ValidationError("--max-event-bytes must be at least 1") }
        guard eventTimeHorizonSeconds >= 0 else { throw ValidationError("--event-time-horizon-seconds must be 0 or more") }
    }

    func run() throws {
        let projection = try ProjectionCatalog.named(projection)
        let db = try DeadLetterCommand.connect(connection)
        let redrive = DeadLetterRedrive(projection: projection, maxEventBytes: maxEventBytes,
                                        eventTimeHorizonSeconds: eventTimeHorizonSeconds)
        let attempts = try redrive.run(ids: ids.isEmpty ? nil : ids, dryRun: dryRun, connection: db) { attempt in
            print(Self.line(attempt, dryRun: dryRun))
        }
        guard !attempts.isEmpty else {
            print("\(projection.name) has no waiting dead letters: nothing to re-drive")
            return
        }
        let applied = attempts.count { $0.outcome == .applied }
        let waiting = attempts.count { $0.outcome.isStillWaiting }
        let skipped = attempts.count - applied - waiting
        var parts = dryRun ? ["\(applied) would apply", "\(waiting) would still fail"] : ["\(applied) applied", "\(waiting) still waiting"]
        if skipped > 0 { parts.append("\(skipped) skipped") }
        print((dryRun ? "dry run, nothing changed: " : "re-drove \(attempts.count) \(projection.name) dead letters: ")
            + parts.joined(separator: ", "))
        if waiting > 0 { throw ExitCode.failure }
    }

    static func line(_ attempt: DeadLetterRedrive.Attempt, dryRun: Bool) -> String {
        let letter = "\(attempt.letter.id) \(attempt.letter.coordinates): "
        return switch attempt.outcome {
        case .applied: letter + (dryRun ? "would apply" : "applied")
        case .failed(let reason): letter + (dryRun ? "would still fail: " : "still failing: ") + reason
        case .retryLater(let reason): letter + "not tried, run the redrive again later: " + reason
        case .skipped(let reason): letter + "skipped, " + reason
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import Projection

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Rebuild a projection into a shadow and compare it with the live tables, table by table.",
        discussion: """
        The live tables and their checkpoints are copied in one snapshot (live workers keep running), the \
        projection is rebuilt from offset 0 up to those checkpoints into <schema>_verify, and every table is \
        compared as a multiset of rows, and so are the pending dead letters. Differences are printed with a few \
        sample rows. Exit status: 0 identical, 1 different.
        """)

    @Argument(help: "The projection, e.g. story.") var projection: String
    @Option(help: "Sample rows printed per difference.") var samples = 5
    @Flag(help: "Keep the rebuilt shadow and the live copy (<schema>_verify, <schema>_verify_live) for inspection.")
    var keep = false
    @Option(help: "Most events per transaction.") var batchSize = 5_000
    @Option(help: "Events larger than this are dead-lettered; give the workers' value.")
    var maxEventBytes = BatchDecoder.defaultMaxEventBytes
    @Option(help: ArgumentHelp(
        "Event times more than this many seconds ahead of their record's timestamp are dead-lettered; give the workers' value.",
        valueName: "seconds"))
    var eventTimeHorizonSeconds = RunnerStateMachine.Settings.defaultEventTimeHorizonSeconds
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let projection = try ProjectionCatalog.named(projection)
        let display = ProgressDisplay(label: "\(projection.name) (verify)")
        let report = try ProjectionVerify.run(
            projection, kafka: try connection.kafkaConfig(), databaseURL: connection.databaseConninfo,
            settings: .init(maxBatch: max(batchSize, 1), maxEventBytes: max(maxEventBytes, 1),
                            eventTimeHorizonSeconds: max(eventTimeHorizonSeconds, 0)),
            samples: max(samples, 0), keep: keep,
            logger: Logger(label: "annals.verify"), progress: { display.show($0) })
        display.finish(report.rebuild)
        print(VerifyReportText.render(report, projection: projection.name))
        if !report.isIdentical { throw ExitCode(1) }
    }
}

/// The verify report as text.
enum VerifyReportText {
    static func render(_ report: ProjectionVerify.Report, projection: String) -> String {
        let offsets = report.checkpoints.sorted { $0.key < $1.key }.map { "\($0.key)@\($0.value)" }.joined(separator: " ")
        var lines = ["\(projection): rebuilt up to the live checkpoints \(offsets.isEmpty ? "(none)" : offsets)"]
        for table in report.tables {
            if table.isIdentical {
                lines.append("  \(table.table): identical (\(table.liveRows) rows)")
                continue
            }
            lines.append("  \(table.table): DIFFERENT: \(table.liveRows) rows live, \(table.rebuiltRows) rebuilt; "
                + "\(table.onlyLive) only in live, \(table.onlyRebuilt) only in the rebuild")
            lines += table.onlyLiveSamples.map { "    - live:    \($0)" }
            lines += table.onlyRebuiltSamples.map { "    + rebuilt: \($0)" }
        }
        let different = report.tables.filter { !$0.isIdentical }.count
        lines.append(different == 0 ? "no differences" : "\(different) of \(report.tables.count) tables differ")
        return lines.joined(separator: "\n")
    }
}

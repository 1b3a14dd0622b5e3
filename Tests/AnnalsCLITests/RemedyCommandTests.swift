@testable import AnnalsCLI
import Projection
import Testing

/// Lower layers say what to do as a `Remedy`; only the command line turns it into a command to run.
@Suite struct RemedyCommandTests {
    @Test func aVersionMismatchIsPrintedWithTheReplayToRun() {
        let error = RenderedError.rendering(ProjectionError.versionMismatch(projection: "story", tables: 2, code: 1))
        #expect("\(error)" == "the story tables are version 2 but this code is version 1: "
            + "rebuild them with `annals replay story --in-place`")
    }

    @Test(arguments: [
        (Remedy.resumeOrAbandonReplay(projection: "kb"), "`annals replay kb --resume`"),
        (.startReplay(projection: "metrics"), "`annals replay metrics`"),
        (.abandonReplay(projection: "story"), "`annals replay story --abandon`"),
        (.listDeadLetters, "`annals dlq list --all`"),
        (.redrive(projection: "kb", id: 7), "`annals dlq redrive kb --id 7`"),
        (.migrate, "`annals migrate`"),
    ] as [(Remedy, String)])
    func everyRemedyNamesItsCommand(_ remedy: Remedy, _ command: String) {
        #expect(remedy.instruction.contains(command))
    }

    @Test func errorsWithoutARemedyAreLeftAsTheyAre() {
        let plain = CLIError("plain")
        #expect(RenderedError.rendering(plain) is CLIError)
        #expect(RenderedError.rendering(ProjectionError.historyDeleted(projection: "story", detail: "x")) is ProjectionError)
    }

    @Test func lowerLayersDoNotSpeakCommandLine() {
        let errors: [any RemediableError] = [
            ProjectionError.versionMismatch(projection: "story", tables: 2, code: 1),
            ProjectionError.checkpointOutsideLog(projection: "story", detail: "x"),
            ReplayError.noReplay(projection: "kb"), ReplayError.shadowMissing(projection: "kb", schema: "kb_shadow"),
            DeadLetterError.unknownID(3), DeadLetterError.otherProjection(id: 3, owner: "kb", requested: "story"),
        ]
        for error in errors {
            #expect(!error.description.contains("`annals"), "\(error)")
        }
    }
}

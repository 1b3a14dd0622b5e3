@testable import AnnalsCLI
@testable import Projection
import Testing

/// The rebuild progress line `annals replay` and `annals verify` print: bar, percentage, counts, rate and ETA.
@Suite struct ProgressDisplayTests {
    static func line(_ label: String = "story", done: Int64, total: Int64, resumedFrom: Int64 = 0, elapsed: Double) -> String {
        ProgressDisplay.line(label, RebuildProgress(done: done, total: total, resumedFrom: resumedFrom, elapsedSeconds: elapsed))
    }

    @Test func atTheStartTheBarIsEmptyAndThereIsNoRateYetSoNoETA() {
        #expect(Self.line(done: 0, total: 26_000, elapsed: 0)
            == "story [..............................]   0% 0/26000 events 0 ev/s ETA -")
    }

    @Test func halfWayTheBarIsHalfFullAndTheETAIsTheRestAtTheCurrentRate() {
        // 13000 events in 2 s: 6500 ev/s, 13000 left.
        #expect(Self.line(done: 13_000, total: 26_000, elapsed: 2)
            == "story [###############...............]  50% 13000/26000 events 6500 ev/s ETA 2s")
    }

    @Test func whenDoneTheBarIsFullAndTheETAIsZero() {
        #expect(Self.line(done: 26_000, total: 26_000, elapsed: 4)
            == "story [##############################] 100% 26000/26000 events 6500 ev/s ETA 0s")
    }

    @Test func nothingToDoIsShownAsDoneWithoutARate() {
        #expect(Self.line(done: 0, total: 0, elapsed: 0.5)
            == "story [##############################] 100% 0/0 events 0 ev/s ETA -")
    }

    @Test func aResumedRunsRateCountsOnlyWhatThisRunApplied() {
        // 50 of the 75 applied by this run in 10 s: 5 ev/s, 25 left.
        #expect(Self.line("story (verify)", done: 75, total: 100, resumedFrom: 25, elapsed: 10)
            == "story (verify) [######################........]  75% 75/100 events 5 ev/s ETA 5s")
    }

    @Test func moreDoneThanTheTotalStopsAtAFullBar() {
        #expect(Self.line(done: 120, total: 100, elapsed: 12)
            == "story [##############################] 100% 120/100 events 10 ev/s ETA 0s")
    }
}

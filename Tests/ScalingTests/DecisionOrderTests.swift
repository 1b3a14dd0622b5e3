import AnnalsEvents
import Projection
import Scaling
import Testing

/// Which decision is newer, and what a batch of decisions changes: table-driven, no database.
@Suite struct DecisionOrderTests {
    @Test(arguments: [
        // (a, b, a < b): the later decided_at wins; at the same instant, the decision id byte by byte.
        (DecisionStamp(decidedAt: 1, decisionID: "z"), DecisionStamp(decidedAt: 2, decisionID: "a"), true),
        (DecisionStamp(decidedAt: 2, decisionID: "a"), DecisionStamp(decidedAt: 1, decisionID: "z"), false),
        (DecisionStamp(decidedAt: 5, decisionID: "a"), DecisionStamp(decidedAt: 5, decisionID: "b"), true),
        (DecisionStamp(decidedAt: 5, decisionID: "B"), DecisionStamp(decidedAt: 5, decisionID: "a"), true),
        (DecisionStamp(decidedAt: 5, decisionID: "a"), DecisionStamp(decidedAt: 5, decisionID: "a"), false),
        (DecisionStamp(decidedAt: 5, decisionID: "é"), DecisionStamp(decidedAt: 5, decisionID: "z"), false),
    ])
    func newerIsLaterDecidedAtThenTheLargerIDBytewise(a: DecisionStamp, b: DecisionStamp, aIsOlder: Bool) {
        #expect((a < b) == aIsOlder)
    }

    @Test func canonicallyEquivalentButDifferentIDsAreDifferentDecisions() {
        // "é" as one scalar and as e + combining accent: equal Swift strings, different bytes.
        let composed = DecisionStamp(decidedAt: 1, decisionID: "\u{E9}")
        let decomposed = DecisionStamp(decidedAt: 1, decisionID: "e\u{301}")
        #expect(composed != decomposed)
        #expect(decomposed < composed)
    }

    @Test func aDecisionWithoutDecidedAtIsStampedWithItsEventTime() {
        var decision = ScalingFixtures.decision("d", desired: 3, second: 10)
        decision.clearDecidedAt()
        #expect(DecisionStamp(decision).decidedAt == (ScalingFixtures.epoch + 11) * 1_000_000)
    }

    @Test func newestDecisionSetsTheCapacityAndOlderOnesAreKeptAsSuperseded() {
        let decisions = [
            ScalingFixtures.decision("a", desired: 5, second: 10),
            ScalingFixtures.decision("old", desired: 2, second: 5),
            ScalingFixtures.decision("s1", tier: .silver, desired: 3, second: 7),
            ScalingFixtures.decision("b", desired: 7, second: 20),
        ]
        let changes = ScalingFold.fold(pairs(decisions), capacity: [:], known: [])
        #expect(changes.newDecisions.map(\.decision.decisionID) == ["a", "old", "s1", "b"])
        #expect(changes.newDecisions.map(\.superseded) == [false, true, false, false])
        #expect(changes.capacity.map(\.tier) == ["gold", "silver"])
        #expect(changes.capacity.map(\.desired) == [7, 3])
        #expect(changes.capacity.first?.stamp.decisionID == "b")
        #expect(changes.capacity.first.map { $0.desiredSpot + $0.desiredOnDemand } == 7)
    }

    @Test func aDecisionOlderThanTheStoredCapacityChangesOnlyTheHistory() {
        let stored = TierCapacity(ScalingFixtures.decision("b", desired: 7, second: 20))
        let changes = ScalingFold.fold(pairs([ScalingFixtures.decision("a", desired: 5, second: 10)]),
                                       capacity: ["gold": stored], known: ["b"])
        #expect(changes.newDecisions.map(\.superseded) == [true])
        #expect(changes.capacity.isEmpty)
    }

    @Test func aKnownOrRepeatedDecisionChangesNothing() {
        let decision = ScalingFixtures.decision("a", desired: 5, second: 10)
        #expect(ScalingFold.fold(pairs([decision]), capacity: [:], known: ["a"]) == ScalingChanges())
        var republished = decision
        republished.meta.eventID = "another-event"
        let twice = ScalingFold.fold(pairs([decision, republished]), capacity: [:], known: [])
        #expect(twice.newDecisions.count == 1)
        #expect(twice.newDecisions.first?.coordinates.offset == 0, "the first offset is the one kept")
    }

    @Test func theOutcomeDoesNotDependOnHowTheTopicIsCutIntoBatches() {
        var decisions: [ScaleDecision] = []
        for index in 0..<12 {
            let tier: Annals_V1_Tier = index % 3 == 0 ? .silver : .gold
            let second = Int64((index * 7) % 11)
            decisions.append(ScalingFixtures.decision("d\(index)", tier: tier, desired: UInt32(index + 1), second: second))
        }
        let whole = ScalingFold.fold(pairs(decisions), capacity: [:], known: [])
        let wholeCapacity = byTier(whole.capacity)
        for cut in 1..<decisions.count {
            let first = ScalingFold.fold(pairs(Array(decisions[..<cut])), capacity: [:], known: [])
            let known = Set(first.newDecisions.map { $0.decision.decisionID })
            let second = ScalingFold.fold(pairs(Array(decisions[cut...]), from: Int64(cut)),
                                          capacity: byTier(first.capacity), known: known)
            let superseded = (first.newDecisions + second.newDecisions).map { $0.superseded }
            #expect(superseded == whole.newDecisions.map { $0.superseded }, "cut at \(cut)")
            var final = byTier(first.capacity)
            for row in second.capacity { final[row.tier] = row }
            #expect(final == wholeCapacity, "cut at \(cut)")
        }
    }

    private func byTier(_ rows: [TierCapacity]) -> [String: TierCapacity] {
        var result: [String: TierCapacity] = [:]
        for row in rows { result[row.tier] = row }
        return result
    }

    private func pairs(_ decisions: [ScaleDecision], from offset: Int64 = 0) -> [(decision: ScaleDecision, coordinates: EventCoordinates)] {
        zip(decisions, ScalingFixtures.projected(decisions, from: offset)).map { ($0, $1.coordinates) }
    }
}
